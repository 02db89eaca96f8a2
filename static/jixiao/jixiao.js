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
