// "Add another" for Django formsets: clones the empty form and bumps TOTAL_FORMS.
// Without JavaScript each save brings a fresh empty row instead.
document.querySelectorAll("fieldset.formset").forEach((fieldset) => {
  const prefix = fieldset.dataset.prefix;
  const total = fieldset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const template = fieldset.querySelector("template.formset-empty");
  const rows = fieldset.querySelector(".formset-rows");
  const button = fieldset.querySelector(".formset-add");
  fieldset.querySelector(".formset-nojs").hidden = true;
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = rows.lastElementChild;
    const first = added && added.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
});
