// Autosave for open attempts: each change posts the question's fields; the server keeps them.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const state = document.getElementById("savestate");
  let timer = null;
  const save = (fieldset) => {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fieldset.querySelectorAll("input, select, textarea").forEach((el) => {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.name) data.append(el.name, el.value);
    });
    if (!data.has(fieldset.dataset.field)) data.append(fieldset.dataset.field, "");
    fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => { if (state) state.textContent = body.ok ? state.dataset.saved : body.error; })
      .catch(() => { if (state) state.textContent = state.dataset.offline; });
  };
  form.addEventListener("change", (e) => {
    const fieldset = e.target.closest("fieldset[data-field]");
    if (!fieldset) return;
    clearTimeout(timer);
    timer = setTimeout(() => save(fieldset), 300);
  });
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
  });
});
