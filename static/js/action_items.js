// After htmx swaps in an updated action-item row (or a page loads with a form error),
// move focus to the confirmation or the first invalid field, so keyboard and
// screen-reader users learn what happened without hunting for it.
function focusMarked() {
  const target = document.querySelector("[data-autofocus]");
  if (!target) return;
  target.removeAttribute("data-autofocus");
  target.focus();
}

document.body.addEventListener("htmx:afterSettle", focusMarked);
focusMarked();
