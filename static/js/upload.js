// Import page: only the fields the chosen kind of upload needs (a monthly report has no plan,
// a quota table no 本月/累计). Without script every field shows and the server ignores the rest.
(function () {
  const form = document.querySelector("form.upload-form");
  if (!form) return;
  const kind = form.querySelector("select[name=kind]");
  const fields = Array.from(form.querySelectorAll("[data-kinds]"));
  function show() {
    fields.forEach((field) => {
      const wanted = field.dataset.kinds.split(" ").includes(kind.value);
      field.hidden = !wanted;
      field.querySelectorAll("input, select").forEach((input) => { input.disabled = !wanted; });
    });
  }
  kind.addEventListener("change", show);
  show();
})();
