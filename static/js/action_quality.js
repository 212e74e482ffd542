// Live action-item quality check: when a row's title, description, owner or due date changes,
// ask the server for that row's findings and show them under it. Without JavaScript the
// findings appear on each save and in the publish review instead.
(() => {
  const form = document.getElementById("postmortem-form");
  const fieldset = form && form.querySelector('fieldset.formset[data-prefix="actions"]');
  if (!fieldset) return;
  const url = fieldset.dataset.checkUrl;
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const timers = new Map();
  const fieldPattern = /^(actions-\d+)-(title|description|owner|due_date)$/;

  function check(rowPrefix) {
    const value = (name) => {
      const field = form.elements.namedItem(`${rowPrefix}-${name}`);
      return field ? field.value : "";
    };
    const body = new URLSearchParams({
      title: value("title"), description: value("description"), owner: value("owner"), due_date: value("due_date"),
    });
    fetch(url, { method: "POST", body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const target = document.getElementById(`quality-${rowPrefix}`);
        if (target && html !== null) target.innerHTML = html;
      })
      .catch(() => {});
  }

  fieldset.addEventListener("input", (event) => {
    const match = fieldPattern.exec(event.target.name || "");
    if (!match) return;
    clearTimeout(timers.get(match[1]));
    timers.set(match[1], setTimeout(() => check(match[1]), 500));
  });
  fieldset.addEventListener("change", (event) => {
    const match = fieldPattern.exec(event.target.name || "");
    if (match) check(match[1]);
  });
})();
