// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("submit", function (event) {
  const form = event.target;
  const message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.addEventListener("click", function (event) {
  // 取消 on forms: back to the previous page (the link's own href is the fallback).
  const link = event.target.closest("[data-back]");
  if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
});
// Searchable pickers (core/pickers.py, templates/core/widgets/picker.html): the text box searches, a click on a
// result puts its id in the hidden input and submits the filter form through its own change trigger.
document.addEventListener("change", function (event) {
  // Typing in a picker's search box is not a filter change: only the hidden id is.
  if (event.target.matches("[data-picker-query]")) { event.stopPropagation(); }
}, true);
document.addEventListener("input", function (event) {
  const query = event.target;
  if (!query.matches("[data-picker-query]") || query.value.trim() !== "") { return; }
  const hidden = query.closest("[data-picker]").querySelector("[data-picker-value]");
  if (hidden && hidden.value !== "") {
    hidden.value = "";
    hidden.dispatchEvent(new Event("change", {bubbles: true}));
  }
});
document.addEventListener("click", function (event) {
  const choice = event.target.closest("[data-picker-choice]");
  document.querySelectorAll("[data-picker-results]").forEach(function (list) {
    // A click outside a picker closes its result list.
    if (!list.closest("[data-picker]").contains(event.target)) { list.replaceChildren(); }
  });
  const remove = event.target.closest("[data-picker-remove]");
  if (remove) { remove.closest("[data-picker-chip]").remove(); return; }
  if (!choice) { return; }
  const picker = choice.closest("[data-picker]");
  if (picker.hasAttribute("data-picker-multiple")) {
    // A picker of several records: the choice becomes a chip with its own hidden input, once.
    const chosen = picker.querySelector("[data-picker-chosen]");
    const id = choice.getAttribute("data-id");
    const query = picker.querySelector("[data-picker-query]");
    if (!chosen.querySelector('input[value="' + CSS.escape(id) + '"]')) {
      const chip = document.createElement("span");
      chip.className = "badge bg-blue-lt d-inline-flex align-items-center gap-1";
      chip.setAttribute("data-picker-chip", "");
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = picker.getAttribute("data-picker-name");
      input.value = id;
      const close = document.createElement("button");
      close.type = "button";
      close.className = "btn-close btn-close-sm ms-1";
      close.setAttribute("data-picker-remove", "");
      close.setAttribute("aria-label", "移除 " + choice.getAttribute("data-text"));
      chip.append(input, document.createTextNode(choice.getAttribute("data-text")), close);
      chosen.append(chip);
    }
    query.value = "";
    picker.querySelector("[data-picker-results]").replaceChildren();
    return;
  }
  const hidden = picker.querySelector("[data-picker-value]");
  picker.querySelector("[data-picker-query]").value = choice.getAttribute("data-text");
  picker.querySelector("[data-picker-results]").replaceChildren();
  hidden.value = choice.getAttribute("data-id");
  hidden.dispatchEvent(new Event("change", {bubbles: true}));
});
// 添加行 (issue 12 §7): a formset row added in the page, no save needed. The button names its table (data-add-row),
// the <template> holding the formset's empty form (data-template) and the formset's prefix; the row's __prefix__
// becomes the next form number and TOTAL_FORMS grows by one, as Django's formsets expect.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-add-row]");
  if (!button) { return; }
  const prefix = button.getAttribute("data-prefix");
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const template = document.getElementById(button.getAttribute("data-template"));
  const body = document.getElementById(button.getAttribute("data-add-row")).querySelector("tbody");
  if (!total || !template || !body) { return; }
  const number = parseInt(total.value, 10);
  const html = template.innerHTML.replace(/__prefix__/g, String(number));
  body.insertAdjacentHTML("beforeend", html);
  total.value = String(number + 1);
  const row = body.lastElementChild;
  const first = row && row.querySelector("input:not([type=hidden]), select, textarea");
  if (first) { first.focus(); }
  row.dispatchEvent(new Event("jx:row-added", {bubbles: true}));
});
