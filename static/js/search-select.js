/* Long lists (units, competitions, awards…) render only a few options; a search box beside
   each asks the server for the rest as the user types (skills_portal/choice_search.py). */
(function () {
  "use strict";
  function enhance(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-search";
    box.placeholder = select.dataset.searchLabel;
    box.setAttribute("aria-label", select.dataset.searchLabel);
    box.setAttribute("aria-controls", select.id || "");
    select.parentNode.insertBefore(box, select);
    var timer = null, asked = 0;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        var url = select.dataset.choicesUrl + "?q=" + encodeURIComponent(box.value.trim());
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || mine !== asked) { return; }
            var keep = Array.prototype.filter.call(select.options, function (o) {
              return o.value === "" || o.selected;
            });
            while (select.options.length) { select.remove(0); }
            keep.forEach(function (o) { select.add(o); });
            var kept = keep.map(function (o) { return o.value; });
            data.results.forEach(function (r) {
              if (kept.indexOf(r.value) < 0) { select.add(new Option(r.label, r.value)); }
            });
            if (data.more) {
              var more = new Option(select.dataset.moreLabel || "…", "");
              more.disabled = true;
              select.add(more);
            }
          });
      }, 250);
    });
  }
  document.querySelectorAll("select[data-choices-url]").forEach(enhance);
})();
