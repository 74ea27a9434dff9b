// Entry grid: Enter moves to the next cell (Shift+Enter back), totals follow the typing.
(function () {
  const form = document.querySelector("form.grid-form");
  if (!form) return;
  const inputs = Array.from(form.querySelectorAll("table.entry-grid input"));
  inputs.forEach((input, i) => {
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const next = inputs[i + (event.shiftKey ? -1 : 1)];
      if (next) { next.focus(); next.select(); }
    });
    input.addEventListener("input", () => recompute(input.closest("table")));
  });
  const number = (text) => (/^\d+$/.test(text.trim()) ? parseInt(text.trim(), 10) : 0);
  const format = (n) => n.toLocaleString("en-US");
  function recompute(table) {
    const rows = Array.from(table.tBodies[0].rows);
    const colTotals = [];
    let grand = 0;
    rows.forEach((row) => {
      let rowTotal = 0;
      Array.from(row.cells).slice(1, -1).forEach((cell, c) => {
        const input = cell.querySelector("input");
        const value = input ? number(input.value) : 0;
        rowTotal += value;
        colTotals[c] = (colTotals[c] || 0) + value;
      });
      row.querySelector("[data-row-total]").textContent = format(rowTotal);
      grand += rowTotal;
    });
    table.querySelectorAll("[data-col-total]").forEach((cell, c) => { cell.textContent = format(colTotals[c] || 0); });
    table.querySelector("[data-grand-total]").textContent = format(grand);
  }
})();
