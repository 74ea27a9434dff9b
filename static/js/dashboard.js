/* The officials' dashboard: reads /api/v1/dashboard/ and draws cards, charts (ECharts, served
   from static/vendor/echarts) and a table of exact numbers beside each chart. Text is set with
   textContent only; every number shown carries its raw value in data-value. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var L = JSON.parse(document.getElementById("dash-labels").textContent);
  var WHOLE = JSON.parse(document.getElementById("dash-whole-units").textContent);
  var COLORS = {done: "#1f7a3d", ahead: "#0f766e", on_pace: "#1d4ed8", behind: "#b45309",
                seriously_behind: "#b91c1c", undetermined: "#64748b"};
  var params = new URLSearchParams(window.location.search);
  // 人 / 万人: amounts of people, person-times and money in 万 with two decimals, as bulletins
  // print them (428.70万人次); the exact figure stays in each cell's title and data-value.
  var WAN = params.get("scale") === "wan";
  var SCALABLE = JSON.parse(document.getElementById("dash-wan-units").textContent);
  var charts = {};
  var data = null;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined) return;
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function num(v) {
    if (v === null || v === undefined) return "—";
    var n = Number(v);
    if (Math.abs(n) < 0.005) n = 0;  // never "-0"
    return n.toLocaleString("zh-CN", {maximumFractionDigits: 2});
  }
  // A stock figure carried forward from the month it was last reported: "截至2025年9月".
  function asOf(r) {
    if (!r.actual_as_of) return null;
    var parts = r.actual_as_of.split("-");
    return el("span", {cls: "as-of muted small", "data-field": "actual_as_of",
                       text: " " + L.as_of.replace("%(year)s", parts[0]).replace("%(month)s", +parts[1])});
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  // How far short (0 when not); given the unit, countable ones in whole things rounded up
  // (1668.8 人 → 1669); the cell's data-value keeps the exact figure.
  function short(v, unit) {
    var s = v !== null && v !== undefined && v < 0 ? -v : 0;
    return s && WHOLE.indexOf(unit) >= 0 ? Math.ceil(s - 1e-6) : s;
  }
  // The monthly pace still needed, whole things rounded up for countable units.
  function need(v, unit) { return v === null || v === undefined ? null : short(-v, unit); }
  // The warning level: colour and text, in full or (in the narrow ranking table) its first word.
  function warning(r, compact) {
    if (!r.warning) return el("span", {cls: "muted", "data-field": "warning", "data-value": "", text: "—"});
    return el("span", {cls: "warning " + r.warning, "data-field": "warning", "data-value": r.warning,
                       title: r.warning_label + " · " + r.projection_method_label,
                       text: compact ? L["warn_" + r.warning] : r.warning_label});
  }
  function scaled(unit) { return WAN && SCALABLE.indexOf(unit) >= 0; }
  function unitLabel(unit) { return scaled(unit) ? "万" + unit : unit; }
  // An amount with its unit: "4,287,000 人次", or "428.70万人次" in 万.
  function amt(v, unit) {
    if (v === null || v === undefined) return "—";
    return scaled(unit) ? (Number(v) / 10000).toFixed(2) + "万" + unit : num(v) + " " + unit;
  }
  // An amount in a column whose heading names the unit: "4,287,000", or "428.70万".
  function qty(v, unit) {
    if (v === null || v === undefined) return "—";
    return scaled(unit) ? (Number(v) / 10000).toFixed(2) + "万" : num(v);
  }
  function cell(value, text, field, extra) {
    var exact = typeof value === "number" ? num(value) : null;
    return el("td", {cls: "num", "data-field": field,
                     "data-value": value === null || value === undefined ? "" : String(value),
                     title: exact !== null && exact !== text ? exact : null,
                     text: text}, extra);
  }
  function status(row) {
    return el("span", {cls: "status " + row.status, "data-field": "status",
                       "data-value": row.status, text: row.status_icon + " " + row.status_label},
              row.is_soft ? el("span", {cls: "soft", text: "（" + L.soft + "）"}) : null);
  }
  function query(extra) {
    var q = new URLSearchParams();
    // The basis is kept only when it is not the default (按上级分解).
    var merged = Object.assign({plan: data.plan.code, month: data.month, unit: data.unit.id,
                                basis: data.basis === "own" ? "own" : "",
                                group: data.group ? data.group.code : "",
                                scale: WAN ? "wan" : ""}, extra || {});
    Object.keys(merged).forEach(function (k) { if (merged[k]) q.set(k, merged[k]); });
    return "?" + q.toString();
  }
  function table(node, head, rows, caption) {
    node.textContent = "";
    if (caption) node.appendChild(el("caption", {text: caption}));
    var tr = el("tr");
    head.forEach(function (h) {
      tr.appendChild(el("th", {scope: "col", cls: h[1] ? "num" : null, text: h[0]}));
    });
    node.appendChild(el("thead", {}, tr));
    var body = el("tbody");
    rows.forEach(function (r) { body.appendChild(r); });
    node.appendChild(body);
  }
  function empty(node, text) {
    node.textContent = "";
    node.appendChild(el("tbody", {}, el("tr", {}, el("td", {cls: "muted", text: text}))));
  }
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, {renderer: "svg"});
    return charts[id];
  }

  // --- header, selectors, breadcrumbs --------------------------------------------------------
  function renderHead() {
    document.getElementById("dash-unit").textContent = data.unit.name + " · " + data.plan.short_name;
    document.getElementById("dash-plan-doc").textContent = data.plan.doc_number || "";
    var fresh = document.getElementById("dash-fresh");
    fresh.hidden = !data.rolled_up_at;
    fresh.textContent = data.rolled_up_at ? L.rolled_up_at.replace("%(time)s", data.rolled_up_at) : "";
    document.title = data.unit.name + " · " + document.title;
    var crumbs = document.getElementById("dash-breadcrumbs");
    crumbs.textContent = "";
    data.breadcrumbs.forEach(function (b, i) {
      if (i) crumbs.appendChild(document.createTextNode(" › "));
      if (b.id === data.unit.id) crumbs.appendChild(el("strong", {"aria-current": "page", text: b.name}));
      else crumbs.appendChild(el("a", {href: query({unit: b.id}), "data-unit-id": b.id, text: b.name}));
    });
    var plan = document.getElementById("dash-plan");
    plan.textContent = "";
    data.plans.forEach(function (p) {
      var o = el("option", {value: p.code, text: p.short_name});
      if (p.code === data.plan.code) o.selected = true;
      plan.appendChild(o);
    });
    var month = document.getElementById("dash-month");
    month.textContent = "";
    var months = data.months.slice();
    if (data.month && months.indexOf(data.month) < 0) months.unshift(data.month);
    months.forEach(function (m) {
      var o = el("option", {value: m, text: m.slice(0, 4) + "年" + (+m.slice(5)) + "月"});
      if (m === data.month) o.selected = true;
      month.appendChild(o);
    });
    document.getElementById("dash-unit-id").value = data.unit.id;
    var basis = document.getElementById("dash-basis-input");
    basis.value = data.basis === "own" ? "own" : "";
    basis.disabled = !basis.value;
    var scale = document.getElementById("dash-scale-input");
    scale.value = WAN ? "wan" : "";
    scale.disabled = !WAN;
    // A different plan starts from its own latest month.
    plan.onchange = function () { month.disabled = true; };
    // Org-unit groups (#22): offered where a group has members here.
    var groupPick = document.getElementById("dash-group");
    groupPick.textContent = "";
    document.getElementById("dash-group-pick").hidden = !(data.groups || []).length;
    groupPick.appendChild(el("option", {value: "", text: L.all_units}));
    (data.groups || []).forEach(function (g) {
      var o = el("option", {value: g.code, text: g.type + " · " + g.name});
      if (data.group && data.group.code === g.code) o.selected = true;
      groupPick.appendChild(o);
    });
    groupPick.disabled = !(data.groups || []).length;
    var bulletins = document.getElementById("dash-bulletins");
    bulletins.href = root.dataset.bulletins + "?plan=" + encodeURIComponent(data.plan.code) +
      "&org_unit=" + data.unit.id;
    var issue = document.getElementById("dash-issue");
    if (issue && data.month) {
      issue.hidden = false;
      issue.elements.plan.value = data.plan.code;
      issue.elements.unit.value = data.unit.id;
      issue.elements.month.value = data.month;
      issue.elements.query.value = query().slice(1);
    }
  }

  // --- cards -----------------------------------------------------------------------------------
  function renderCards() {
    var box = document.getElementById("dash-cards");
    box.textContent = "";
    if (!data.month) { box.appendChild(el("p", {cls: "muted", text: L.no_month})); return; }
    if (!data.headline.length) { box.appendChild(el("p", {cls: "muted", text: L.no_own})); return; }
    data.headline.forEach(function (r) {
      var rate = r.completion_rate;
      var fill = rate === null ? 0 : Math.min(rate, 1) * 100;
      var cascaded = r.source === "own" || r.other;
      var card = el("article", {cls: "card dash-card st-" + r.status, "data-target": r.target_code},
        el("h3", {}, r.indicator.name, el("span", {cls: "muted small", text: " " + r.window +
                                                    (r.group ? " · " + r.group : "")})),
        el("div", {cls: "dash-rate"},
          el("span", {"data-field": "completion_rate", "data-value": rate === null ? "" : String(rate),
                      text: pct(rate)}),
          el("span", {cls: "muted small", text: " " + L.rate})),
        el("div", {cls: "dash-bar", "aria-hidden": "true"},
          el("span", {cls: "fill", style: "width:" + fill + "%;background:" + COLORS[r.status]}),
          el("span", {cls: "tick", style: "left:" + (r.time_progress * 100) + "%"})),
        el("dl", {cls: "dash-facts"},
          el("dt", {text: L.actual}),
          el("dd", {"data-field": "actual", "data-value": r.actual === null ? "" : String(r.actual),
                    title: num(r.actual) + " " + r.indicator.unit,
                    text: amt(r.actual, r.indicator.unit)},
             asOf(r)),
          el("dt", {text: L.target}),
          el("dd", {"data-field": "target", "data-value": r.target === null ? "" : String(r.target),
                    title: num(r.target) + " " + r.indicator.unit,
                    text: amt(r.target, r.indicator.unit)}),
          el("dt", {text: L.time}),
          el("dd", {"data-field": "time_progress", "data-value": String(r.time_progress),
                    text: pct(r.time_progress)}),
          r.projected_completion !== null ? el("dt", {text: L.projected_short}) : null,
          r.projected_completion !== null ? el("dd", {"data-field": "projected_completion",
              "data-value": String(r.projected_completion), title: r.projection_method_label,
              text: pct(r.projected_completion)}, r.warning ? " " : null, r.warning ? warning(r) : null)
            : null,
          r.required_pace ? el("dt", {text: L.need}) : null,
          r.required_pace ? el("dd", {"data-field": "required_pace", "data-value": String(r.required_pace),
              text: amt(need(r.required_pace, r.indicator.unit), r.indicator.unit)}) : null,
          r.rank ? el("dt", {text: L.rank}) : null,
          r.rank ? el("dd", {text: r.rank + " / " + r.rank_of}) : null,
          // The source only where it is not simply this plan's target.
          cascaded ? el("dt", {text: L.source}) : null,
          cascaded ? el("dd", {"data-field": "source", "data-value": r.source,
                               text: r.source_label}) : null,
          r.other ? el("dt", {text: r.other.source === "own" ? L.own_target : L.plan_target}) : null,
          r.other ? el("dd", {"data-field": "other_target", "data-value": String(r.other.target),
                              text: amt(r.other.target, r.indicator.unit) + " · " +
                                    pct(r.other.completion_rate) + " · " + r.other.status_label})
                  : null),
        status(r));
      box.appendChild(card);
    });
  }

  // --- units below -------------------------------------------------------------------------------
  function renderChildren() {
    var nav = document.getElementById("dash-children-nav");
    nav.textContent = "";
    var pick = document.getElementById("dash-series");
    var tableNode = document.getElementById("table-children");
    var chartNode = document.getElementById("chart-children");
    var withNumbers = {};
    data.series.forEach(function (s) { s.rows.forEach(function (r) { withNumbers[r.unit.id] = 1; }); });
    var others = data.children.filter(function (c) { return !withNumbers[c.id]; });
    if (others.length) {
      nav.appendChild(el("span", {cls: "muted small", text: L.drill + "："}));
      others.forEach(function (c) {
        nav.appendChild(el("a", {cls: "chip", href: query({unit: c.id}), "data-unit-id": c.id, text: c.name}));
      });
    }
    renderBasis();
    pick.textContent = "";
    var own = data.units_own || [];
    if (!data.series.length && own.length) {
      // No targets below: what each unit did on the plan's indicators, not judged.
      document.getElementById("dash-series-pick").hidden = own.length < 2;
      chartNode.hidden = false;
      own.forEach(function (s, i) {
        pick.appendChild(el("option", {value: i, text: s.indicator.name + "（" + s.window + "）"}));
      });
      pick.onchange = function () { drawOwn(own[+pick.value]); };
      drawOwn(own[0]);
      return;
    }
    if (!data.series.length) {
      document.getElementById("dash-series-pick").hidden = true;
      chartNode.hidden = true;
      if (others.length) tableNode.textContent = "";
      else empty(tableNode, L.no_children);
      return;
    }
    document.getElementById("dash-series-pick").hidden = data.series.length < 2;
    chartNode.hidden = false;
    data.series.forEach(function (s, i) {
      pick.appendChild(el("option", {value: i, text: s.indicator.name + "（" + s.window + "）"}));
    });
    pick.onchange = function () { drawSeries(data.series[+pick.value]); };
    drawSeries(data.series[0]);
  }

  // 人 / 万人: how amounts read; kept in the address like the basis.
  function renderScale() {
    var box = document.getElementById("dash-scale");
    box.textContent = "";
    box.appendChild(el("span", {cls: "muted small", text: L.scale + "："}));
    [["", L.scale_exact], ["wan", L.scale_wan]].forEach(function (b) {
      var on = (WAN ? "wan" : "") === b[0];
      if (on) box.appendChild(el("strong", {cls: "chip", "aria-current": "true", "data-scale": b[0],
                                            text: b[1]}));
      else box.appendChild(el("a", {cls: "chip", href: query({scale: b[0]}), "data-scale": b[0],
                                    text: b[1]}));
    });
  }

  // 按上级分解 / 按本级承诺: offered where a unit below has both a share of this plan and its
  // own commitment in a plan implementing it.
  function renderBasis() {
    var box = document.getElementById("dash-basis");
    box.textContent = "";
    var both = data.series.some(function (s) { return s.has_both; }) ||
      data.headline.some(function (r) { return r.other; });
    box.hidden = !both;
    if (!both) return;
    box.appendChild(el("span", {cls: "muted small", text: L.basis + "："}));
    [["plan", L.basis_plan], ["own", L.basis_own]].forEach(function (b) {
      if (data.basis === b[0]) box.appendChild(el("strong", {cls: "chip", "aria-current": "true",
                                                            "data-basis": b[0], text: b[1]}));
      else box.appendChild(el("a", {cls: "chip", href: query({basis: b[0] === "own" ? "own" : ""}),
                                    "data-basis": b[0], text: b[1]}));
    });
  }

  // The other basis's number under a unit's target: 本级承诺 48,000 / 本方案分解任务 40,000.
  function otherTarget(r) {
    if (!r.other) return null;
    return el("div", {cls: "muted small", "data-field": "other_target",
                      "data-value": String(r.other.target),
                      text: (r.other.source === "own" ? L.own_target : L.plan_target) + " " +
                            num(r.other.target) + " · " + pct(r.other.completion_rate)});
  }

  // The units' own figures on an indicator the plan did not decompose (units_own).
  function drawOwn(s) {
    var rows = s.rows.map(function (r) {
      return el("tr", {"data-unit-id": r.unit.id},
        // Not a link: the unit holds no target of this plan to open.
        el("th", {scope: "row", text: r.unit.name}),
        cell(r.actual, qty(r.actual, s.indicator.unit), "actual", asOf(r)),
        cell(r.share, s.additive ? pct(r.share) : "—", "share"));
    });
    table(document.getElementById("table-children"),
      [[L.unit], [L.own_actual + "（" + unitLabel(s.indicator.unit) + "）", 1], [L.share, 1]], rows,
      s.indicator.name + " · " + s.window + " · " + L.units_own_note);
    var ordered = s.rows.slice().reverse();  // largest on top
    var c = chart("chart-children");
    c.setOption({
      animation: false,
      grid: {left: 8, right: 48, top: 24, bottom: 24, containLabel: true},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"},
                valueFormatter: function (v) { return num(v); }},
      xAxis: {type: "value", min: 0},
      yAxis: {type: "category", data: ordered.map(function (r) { return r.unit.name; })},
      series: [{
        name: L.own_actual, type: "bar", barMaxWidth: 22,
        data: ordered.map(function (r) { return {value: r.actual, itemStyle: {color: "#64748b"}}; }),
        label: {show: true, position: "right", formatter: function (p) { return num(p.value); }}
      }]
    }, true);
    c.resize({height: Math.max(220, ordered.length * 30 + 60)});
    c.off("click");
  }

  function drawSeries(s) {
    var rows = s.rows.map(function (r) {
      var tr = el("tr", {"data-unit-id": r.unit.id, cls: "st-" + r.status},
        el("th", {scope: "row"}, el("a", {href: query({unit: r.unit.id}), "data-unit-id": r.unit.id,
                                          text: r.unit.name})),
        cell(r.target, qty(r.target, s.indicator.unit), "target", otherTarget(r)),
        cell(r.actual, qty(r.actual, s.indicator.unit), "actual", asOf(r)),
        cell(r.completion_rate, pct(r.completion_rate), "completion_rate"),
        el("td", {}, status(r)),
        el("td", {cls: "num", "data-field": "projected_completion",
                  "data-value": r.projected_completion === null ? "" : String(r.projected_completion),
                  title: r.projection_method_label}, pct(r.projected_completion),
           r.warning ? " " : null, r.warning ? warning(r, true) : null),
        cell(r.rank, r.rank ? r.rank + "/" + r.rank_of : "—", "rank"),
        el("td", {"data-field": "source", "data-value": r.source, text: r.source_label}));
      return tr;
    });
    table(document.getElementById("table-children"),
      [[L.unit], [L.target + "（" + unitLabel(s.indicator.unit) + "）", 1], [L.actual, 1], [L.rate, 1],
       [L.status], [L.projected_short, 1], [L.rank, 1], [L.source]], rows,
      s.indicator.name + " · " + s.window + " · " + L.time + " " + pct(s.time_progress));
    var ordered = s.rows.slice().reverse();  // best on top
    var c = chart("chart-children");
    c.setOption({
      animation: false,
      grid: {left: 8, right: 48, top: 24, bottom: 24, containLabel: true},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"},
                valueFormatter: function (v) { return v === null ? "—" : v.toFixed(1) + "%"; }},
      // Always up to 100% at least, so the time-progress line is on the chart even when
      // every unit is at zero.
      xAxis: {type: "value", min: 0, axisLabel: {formatter: "{value}%"},
              max: function (v) { return Math.max(100, Math.ceil(v.max / 20) * 20); }},
      yAxis: {type: "category", data: ordered.map(function (r) { return r.unit.name; })},
      series: [{
        name: L.chart_children, type: "bar", barMaxWidth: 22,
        data: ordered.map(function (r) {
          var value = r.completion_rate === null ? null : +(r.completion_rate * 100).toFixed(1);
          return {value: value, unitId: r.unit.id, itemStyle: {color: COLORS[r.status]},
                  // Inside a long bar, so the label never sits on the time-progress line.
                  label: value !== null && value >= 25 ? {position: "insideRight", color: "#fff"}
                                                       : {position: "right"}};
        }),
        label: {show: true, position: "right", fontWeight: 600, formatter: function (p) {
          var r = ordered[p.dataIndex];
          return p.value === null ? "—" : p.value.toFixed(1) + "% " + r.status_icon;
        }},
        markLine: {symbol: "none", silent: true, lineStyle: {type: "dashed", color: "#111827", width: 2},
                   label: {formatter: L.chart_time + " " + pct(s.time_progress)},
                   data: [{xAxis: +(s.time_progress * 100).toFixed(1)}]}
      }]
    }, true);
    c.resize({height: Math.max(220, ordered.length * 30 + 60)});
    c.off("click");
    c.on("click", function (p) {
      if (p.data && p.data.unitId) window.location.search = query({unit: p.data.unitId});
    });
  }

  // --- trend ---------------------------------------------------------------------------------------
  function renderTrend() {
    var pick = document.getElementById("dash-trend");
    pick.textContent = "";
    var node = document.getElementById("chart-trend");
    if (!data.trend.length) {
      node.hidden = true;
      pick.parentNode.hidden = true;
      empty(document.getElementById("table-trend"), data.month ? L.no_own : L.no_month);
      return;
    }
    node.hidden = false;
    pick.parentNode.hidden = data.trend.length < 2;
    data.trend.forEach(function (t, i) {
      pick.appendChild(el("option", {value: i, text: t.indicator.name + "（" + t.window + "）"}));
    });
    pick.onchange = function () { drawTrend(data.trend[+pick.value]); };
    drawTrend(data.trend[0]);
  }

  function drawTrend(t) {
    var months = [];
    for (var m = 1; m <= 12; m++) months.push(m + "月");
    function p100(list) { return list.map(function (v) { return v === null ? null : +(v * 100).toFixed(1); }); }
    var c = chart("chart-trend");
    c.setOption({
      animation: false,
      grid: {left: 8, right: 16, top: 40, bottom: 24, containLabel: true},
      legend: {top: 0},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }},
      xAxis: {type: "category", data: months},
      yAxis: {type: "value", axisLabel: {formatter: "{value}%"}},
      series: [
        {name: t.this_year + "年" + L.rate, type: "line", data: p100(t.this_rate), symbolSize: 7,
         lineStyle: {width: 3}, itemStyle: {color: "#9b1c1c"}},
        {name: t.last_year + "年" + L.rate, type: "line", data: p100(t.last_rate), symbol: "rect",
         itemStyle: {color: "#64748b"}},
        {name: L.time, type: "line", data: p100(t.time_progress), symbol: "none",
         lineStyle: {type: "dashed", color: "#111827"}, itemStyle: {color: "#111827"}}
      ]
    }, true);
    var rows = [];
    for (var i = 0; i < 12; i++) {
      if (t.this_rate[i] === null && t.last_rate[i] === null) continue;
      rows.push(el("tr", {"data-month": i + 1},
        el("th", {scope: "row", text: months[i]}),
        cell(t.this_actual[i], qty(t.this_actual[i], t.indicator.unit), "this_actual"),
        cell(t.this_rate[i], pct(t.this_rate[i]), "this_rate"),
        cell(t.last_actual[i], qty(t.last_actual[i], t.indicator.unit), "last_actual"),
        cell(t.last_rate[i], pct(t.last_rate[i]), "last_rate"),
        cell(t.time_progress[i], pct(t.time_progress[i]), "time_progress")));
    }
    table(document.getElementById("table-trend"),
      [[L.month], [t.this_year + "年" + L.actual, 1], [L.rate, 1], [t.last_year + "年" + L.actual, 1],
       [L.rate, 1], [L.time, 1]], rows, t.indicator.name + "（" + unitLabel(t.indicator.unit) + "）");
  }

  // --- laggards and departments ----------------------------------------------------------------
  function renderLaggards() {
    var node = document.getElementById("table-laggards");
    if (!data.laggards.length) { empty(node, L.no_laggards); return; }
    table(node, [[L.unit], [L.indicator], [L.rate, 1], [L.time, 1], [L.gap_time, 1],
                 [L.gap_target, 1], [L.status], [L.source]],
      data.laggards.map(function (r) {
        return el("tr", {"data-unit-id": r.unit.id, "data-target": r.target_code},
          el("th", {scope: "row"}, el("a", {href: query({unit: r.unit.id}), text: r.unit.name})),
          el("td", {text: r.indicator.name}),
          cell(r.completion_rate, pct(r.completion_rate), "completion_rate"),
          cell(r.time_progress, pct(r.time_progress), "time_progress"),
          cell(short(r.gap_to_time), amt(short(r.gap_to_time, r.indicator.unit), r.indicator.unit), "short_of_time"),
          cell(short(r.gap_to_target), amt(short(r.gap_to_target, r.indicator.unit), r.indicator.unit), "short_of_target"),
          el("td", {}, status(r)),
          el("td", {"data-field": "source", "data-value": r.source, text: r.source_label}));
      }));
  }

  function renderWarnings() {
    var node = document.getElementById("table-warnings");
    if (!data.month) { empty(node, L.no_month); return; }
    if (!data.warnings.length) { empty(node, L.no_warnings); return; }
    table(node, [[L.unit], [L.indicator], [L.rate, 1], [L.projected, 1], [L.method], [L.need, 1],
                 [L.pace, 1], [L.warning]],
      data.warnings.map(function (r) {
        var u = r.indicator.unit;
        return el("tr", {"data-unit-id": r.unit.id, "data-target": r.target_code},
          el("th", {scope: "row"}, el("a", {href: query({unit: r.unit.id}), text: r.unit.name})),
          el("td", {text: r.indicator.name + "（" + r.window + "）"}),
          cell(r.completion_rate, pct(r.completion_rate), "completion_rate"),
          cell(r.projected_completion, pct(r.projected_completion), "projected_completion"),
          el("td", {text: r.projection_method_label}),
          cell(r.required_pace, amt(need(r.required_pace, u), u),
               "required_pace"),
          cell(r.pace_so_far, amt(r.pace_so_far, u), "pace_so_far"),
          el("td", {}, warning(r)));
      }));
  }

  function renderDepartments() {
    var node = document.getElementById("table-departments");
    if (!data.departments.length) { empty(node, L.no_departments); return; }
    table(node, [[L.department], [L.indicator], [L.target, 1], [L.actual, 1], [L.rate, 1], [L.status]],
      data.departments.map(function (r) {
        return el("tr", {"data-target": r.target_code},
          el("th", {scope: "row", text: r.department.name}),
          el("td", {text: r.indicator.name + "（" + r.indicator.unit + "）"}),
          cell(r.target, qty(r.target, r.indicator.unit), "target"),
          cell(r.actual, qty(r.actual, r.indicator.unit), "actual"),
          cell(r.completion_rate, pct(r.completion_rate), "completion_rate"),
          el("td", {}, status(r)));
      }));
  }

  // A chosen group: per indicator, the group's total and its members here, ranked.
  function renderGroup() {
    var section = document.getElementById("dash-group-section");
    var g = data.group;
    section.hidden = !g;
    if (!g) return;
    document.getElementById("h-group").textContent = L.group + "：" + g.name;
    document.getElementById("dash-group-note").textContent =
      L.group_members.replace("%(n)s", g.members);
    var box = document.getElementById("dash-group-tables");
    box.textContent = "";
    if (!g.series.length) {
      box.appendChild(el("p", {cls: "muted", text: L.no_group_rows}));
      return;
    }
    g.series.forEach(function (s) {
      var u = s.indicator.unit;
      var rows = [];
      if (s.total) {
        rows.push(el("tr", {cls: "group-total", "data-source": s.total.source},
          el("th", {scope: "row", text: L.group_total + "（" + s.total.source_label + "）"}),
          cell(s.total.target, qty(s.total.target, u), "target"),
          cell(s.total.actual, qty(s.total.actual, u), "actual"),
          cell(s.total.completion_rate, pct(s.total.completion_rate), "completion_rate"),
          el("td", {}, status(s.total)), el("td", {cls: "num", text: "—"})));
      }
      s.rows.forEach(function (r) {
        rows.push(el("tr", {"data-target": r.target_code},
          el("th", {scope: "row"}, el("a", {href: query({unit: r.unit.id, group: ""}), text: r.unit.name})),
          cell(r.target, qty(r.target, u), "target"),
          cell(r.actual, qty(r.actual, u), "actual"),
          cell(r.completion_rate, pct(r.completion_rate), "completion_rate"),
          el("td", {}, status(r)),
          el("td", {cls: "num", text: r.rank ? r.rank + "/" + r.rank_of : "—"})));
      });
      var node = el("table", {cls: "dash-table"});
      table(node, [[L.unit], [L.target + "（" + unitLabel(u) + "）", 1], [L.actual, 1], [L.rate, 1],
                   [L.status], [L.rank, 1]], rows, s.indicator.name + "（" + s.window + "）");
      box.appendChild(el("div", {cls: "table-wrap"}, node));
    });
  }

  function fail(message) {
    var box = document.getElementById("dash-error");
    box.textContent = L.error + "：" + message;
    box.hidden = false;
    document.getElementById("dash-loading").hidden = true;
  }

  var api = new URLSearchParams();
  ["plan", "unit", "month", "basis", "group"].forEach(function (k) { if (params.get(k)) api.set(k, params.get(k)); });
  fetch(root.dataset.api + "?" + api.toString(), {credentials: "same-origin",
                                                  headers: {Accept: "application/json"}})
    .then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var detail = body.detail || Object.keys(body).map(function (k) {
            return [].concat(body[k]).join(" ");
          }).join(" ");
          throw new Error(detail);
        }
        return body;
      });
    })
    .then(function (body) {
      data = body;
      document.getElementById("dash-loading").hidden = true;
      renderHead();
      renderScale();
      renderCards();
      renderChildren();
      renderGroup();
      renderTrend();
      renderWarnings();
      renderLaggards();
      renderDepartments();
      root.setAttribute("data-loaded", "1");
    })
    .catch(function (err) { fail(err.message); });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
