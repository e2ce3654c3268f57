// Meetup form: show only the fields that apply to the chosen repeat rule,
// format and audience. Without JavaScript every field stays visible and the
// server ignores the ones that do not apply.
const form = document.querySelector("[data-event-form]");

function checked(name) {
  const input = form.querySelector(`input[name="${name}"]:checked`);
  return input ? input.value : "";
}

function sync() {
  for (const name of ["frequency", "format", "audience", "ends"]) {
    const value = checked(name);
    for (const block of form.querySelectorAll(`[data-when-${name}]`)) {
      block.hidden = !block.dataset[`when${name[0].toUpperCase()}${name.slice(1)}`].split(" ").includes(value);
    }
  }
}

if (form) {
  form.addEventListener("change", sync);
  sync();
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
}
