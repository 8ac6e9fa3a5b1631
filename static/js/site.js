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

// Written responses: a live character count (spaces not counted, as the server counts), autosave while
// typing, and how much of the text was pasted (the server may send a mostly pasted response to review).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-written]");
  if (!form) return;
  const area = form.querySelector("textarea[name=text]");
  const pasted = form.querySelector("input[name=pasted_chars]");
  const count = document.getElementById("response-count");
  const state = document.getElementById("savestate");
  const length = (text) => text.replace(/\s/g, "").length;
  const show = () => {
    const n = length(area.value);
    const min = Number(area.dataset.min || 0);
    const max = Number(area.dataset.max || 0);
    count.textContent = count.dataset.template.replace("%(n)s", n);
    count.classList.toggle("bad-text", (min && n < min) || (max && n > max));
  };
  let timer = null;
  const save = () => {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("text", area.value);
    data.append("pasted_chars", pasted.value);
    fetch(form.dataset.written, { method: "POST", body: data, credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => { if (state) state.textContent = body.ok ? state.dataset.saved : body.error; })
      .catch(() => { if (state) state.textContent = state.dataset.offline; });
  };
  area.addEventListener("paste", (e) => {
    const text = (e.clipboardData || window.clipboardData).getData("text") || "";
    pasted.value = String(Number(pasted.value || 0) + length(text));
  });
  area.addEventListener("input", () => { show(); clearTimeout(timer); timer = setTimeout(save, 800); });
  form.addEventListener("submit", (e) => {
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
  });
  show();
});

// Scenario steps: a countdown to the step's deadline (the server decides what is late), and one choice only.
document.addEventListener("DOMContentLoaded", () => {
  const timer = document.querySelector(".timer[data-deadline]");
  if (timer) {
    const deadline = new Date(timer.dataset.deadline).getTime();
    const out = timer.querySelector(".countdown");
    const tick = () => {
      const left = Math.round((deadline - Date.now()) / 1000);
      if (left <= 0) { out.textContent = timer.dataset.late; timer.classList.add("late"); return; }
      out.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      setTimeout(tick, 1000);
    };
    tick();
  }
  document.querySelectorAll("form.choices").forEach((form) => {
    form.addEventListener("submit", (e) => {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
});
