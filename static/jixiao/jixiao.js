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
