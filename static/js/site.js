// Autosave, per field: every changed field stays "not saved yet" until the server has confirmed it. A field
// edited while its save is in flight is sent again afterwards; a failed save is retried with backoff and when
// the connection returns; everything pending is flushed when the page is hidden or left. The submit button
// posts the whole form, so it never depends on autosave.
const autosaver = ({ form, url, collect, delay, onClosed }) => {
  const state = document.getElementById("savestate");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const dirty = new Set();
  const sending = new Map();
  const timers = new Map();
  const errors = new Map();
  let offline = false;
  let stopped = false;
  let retryTimer = null;
  let backoff = 1000;
  const show = () => {
    if (!state) return;
    let text = state.dataset.saved;
    let status = "saved";
    if (errors.size) { text = [...errors.values()][0]; status = "error"; }
    else if (offline && dirty.size) { text = state.dataset.offline; status = "offline"; }
    else if (sending.size) { text = state.dataset.saving; status = "saving"; }
    else if (dirty.size) { text = state.dataset.pending; status = "pending"; }
    if (state.dataset.status !== status || state.textContent !== text) {
      state.textContent = text;
      state.dataset.status = status;
    }
  };
  const retryLater = () => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => flush(), backoff);
    backoff = Math.min(backoff * 2, 30000);
  };
  const send = (field, keepalive = false) => {
    clearTimeout(timers.get(field));
    timers.delete(field);
    if (stopped || !dirty.has(field)) return Promise.resolve();
    // One request per field at a time, so an older answer can never arrive after a newer one.
    if (sending.has(field)) return sending.get(field).then(() => send(field, keepalive));
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    collect(field, data);
    dirty.delete(field);
    let size = 0;
    data.forEach((v) => { size += String(v).length * 3; });
    const request = fetch(url, {
      method: "POST", body: data, credentials: "same-origin", keepalive: keepalive && size < 60000,
      headers: { Accept: "application/json" },
    })
      .then((r) => r.json())
      .then((body) => {
        offline = false;
        backoff = 1000;
        if (body.ok) { errors.delete(field); return; }
        if (body.closed) { stopped = true; onClosed(body); return; }
        // Refused (the server says why): not saved, and not sent again until the field changes.
        errors.set(field, body.error);
        dirty.add(field);
      })
      .catch(() => { if (!stopped) { dirty.add(field); offline = true; retryLater(); } })
      .finally(() => { sending.delete(field); show(); });
    sending.set(field, request);
    show();
    return request;
  };
  const flush = (keepalive = false) =>
    Promise.all([...dirty].filter((f) => !errors.has(f)).map((f) => send(f, keepalive)));
  const changed = (field) => {
    if (stopped) return;
    dirty.add(field);
    errors.delete(field);
    clearTimeout(timers.get(field));
    timers.set(field, setTimeout(() => send(field), delay));
    show();
  };
  window.addEventListener("online", () => { backoff = 1000; flush(); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(true); });
  window.addEventListener("pagehide", () => flush(true));
  return {
    changed,
    flush,
    stop: () => { stopped = true; timers.forEach((t) => clearTimeout(t)); clearTimeout(retryTimer); },
    pending: () => dirty.size + sending.size,
  };
};

const fieldOf = (el) => el.closest("fieldset[data-field]");

// A confidence (confidence-based marking) alone is not an answer.
const answered = (fieldset) =>
  [...fieldset.querySelectorAll("input, select, textarea")].some((el) => {
    if (el.closest("[data-confidence]")) return false;
    if (el.type === "radio" || el.type === "checkbox") return el.checked;
    return el.value.trim() !== "";
  });

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const fieldsets = new Map([...form.querySelectorAll("fieldset[data-field]")].map((f) => [f.dataset.field, f]));
  const saver = autosaver({
    form,
    url: form.dataset.autosave,
    delay: 300,
    collect: (field, data) => {
      const fieldset = fieldsets.get(field);
      fieldset.querySelectorAll("input, select, textarea").forEach((el) => {
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        if (el.name) data.append(el.name, el.value);
      });
      if (!data.has(field)) data.append(field, "");
    },
    onClosed: (body) => window.location.assign(body.url),
  });
  const touched = (e) => { const f = fieldOf(e.target); if (f) saver.changed(f.dataset.field); };
  form.addEventListener("change", touched);
  form.addEventListener("input", touched);

  // Submitting with unanswered questions asks first, naming them; without JavaScript the form just submits.
  const dialog = document.getElementById("unanswered-dialog");
  let confirmed = false;
  let sent = false;
  const submitNow = () => {
    confirmed = true;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  };
  form.addEventListener("submit", (e) => {
    if (sent) { e.preventDefault(); return; }
    const missing = [...fieldsets.values()].filter((f) => !answered(f));
    if (!confirmed && missing.length && dialog && dialog.showModal) {
      e.preventDefault();
      const text = document.getElementById("unanswered-text");
      const numbers = missing.map((f) => f.querySelector(".qnum").textContent.replace(".", "").trim());
      const list = window.Intl && Intl.ListFormat
        ? new Intl.ListFormat(document.documentElement.lang || undefined).format(numbers) : numbers.join(", ");
      text.textContent = text.dataset.template.replace("%(list)s", list);
      dialog.showModal();
      return;
    }
    sent = true;
    saver.stop();
    const button = form.querySelector("button[type=submit]");
    if (button) setTimeout(() => { button.disabled = true; }, 0);
  });
  if (dialog) {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "submit") { submitNow(); return; }
      confirmed = false;
      const first = [...fieldsets.values()].find((f) => !answered(f));
      const focusable = first && first.querySelector("input, select, textarea");
      if (focusable) focusable.focus();
    });
  }

  // The countdown runs on the server's clock (the page carries the server's time, so the offset is known).
  // At zero the form is locked and posted as it stands; the server closes the attempt whatever happens here.
  const timer = document.getElementById("quiz-timer");
  if (!timer) return;
  const offset = Number(timer.dataset.nowMs) - Date.now();
  const deadline = Number(timer.dataset.deadlineMs);
  const out = timer.querySelector(".countdown");
  const notice = document.getElementById("time-up");
  timer.hidden = false;
  const timeUp = () => {
    timer.classList.add("late");
    out.textContent = "0:00";
    saver.stop();
    sent = true;
    const data = new FormData(form);
    form.querySelectorAll("fieldset, button").forEach((el) => { el.disabled = true; });
    notice.scrollIntoView({ block: "nearest" });
    form.setAttribute("aria-disabled", "true");
    notice.textContent = notice.dataset.sending;
    // A refused post (an answer the server will not take) leaves the closing to the server: come back once
    // its grace for answers in flight is over and the page shows the result.
    const post = () =>
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => {
          if (r.redirected) window.location.assign(r.url);
          else setTimeout(() => window.location.assign(timer.dataset.page), Number(timer.dataset.graceMs) + 1000);
        })
        .catch(() => {
          notice.textContent = notice.dataset.offline;
          window.addEventListener("online", post, { once: true });
        });
    post();
  };
  const tick = () => {
    const left = Math.ceil((deadline - (Date.now() + offset)) / 1000);
    if (left <= 0) { timeUp(); return; }
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const sec = String(left % 60).padStart(2, "0");
    const text = h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
    if (out.textContent !== text) out.textContent = text;
    timer.classList.toggle("soon", left <= 60);
    setTimeout(tick, 250);
  };
  tick();
});

// The server's count of a written answer (text_length in assessments/grading/rubric.py): code points of the
// NFC form, whitespace and zero-width characters left out. Keep UNCOUNTED equal to the server's list.
const UNCOUNTED = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u200b-\u200d\u2060\ufeff]/u;
const textLength = (text) => {
  let n = 0;
  for (const ch of text.normalize("NFC")) if (!UNCOUNTED.test(ch)) n += 1;
  return n;
};

// Written responses: a live character count, autosave while typing, and how much of the text was pasted
// (the server may send a mostly pasted response to review).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-written]");
  if (!form) return;
  const area = form.querySelector("textarea[name=text]");
  const pasted = form.querySelector("input[name=pasted_chars]");
  const count = document.getElementById("response-count");
  const show = () => {
    const n = textLength(area.value);
    const min = Number(area.dataset.min || 0);
    const max = Number(area.dataset.max || 0);
    count.textContent = count.dataset.template.replace("%(n)s", n);
    count.classList.toggle("bad-text", (min && n < min) || (max && n > max));
  };
  const saver = autosaver({
    form,
    url: form.dataset.written,
    delay: 800,
    collect: (_field, data) => {
      data.append("text", area.value);
      data.append("pasted_chars", pasted.value);
    },
    onClosed: (body) => window.location.assign(body.url),
  });
  area.addEventListener("paste", (e) => {
    const text = (e.clipboardData || window.clipboardData).getData("text") || "";
    pasted.value = String(Number(pasted.value || 0) + textLength(text));
  });
  area.addEventListener("input", () => { show(); saver.changed("text"); });
  form.addEventListener("submit", (e) => {
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    saver.stop();
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

// Copy buttons (the certificate's public link): shown only where the clipboard API exists; otherwise, or if
// copying fails, the link's field stays there to select by hand.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(field.value).then(
        () => { if (status) status.textContent = button.dataset.copied; },
        () => {
          field.focus();
          field.select();
          if (status) status.textContent = button.dataset.failed;
        },
      );
    });
  });
});
// A table too wide for the screen scrolls inside its wrapper; keyboard users can only scroll what they can
// focus, so a wrapper that scrolls becomes a named, focusable region (and stops being one when it fits).
const scrollRegions = (root) => {
  root.querySelectorAll(".table-wrap").forEach((wrap) => {
    const table = wrap.querySelector("table");
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      const caption = table && (table.caption || table.closest("section, .card")?.querySelector("h2, h3"));
      const name = (caption && caption.textContent.trim()) || document.querySelector("h1")?.textContent.trim();
      if (name) wrap.setAttribute("aria-label", name);
    } else if (wrap.getAttribute("role") === "region") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
};
document.addEventListener("DOMContentLoaded", () => scrollRegions(document));
window.addEventListener("resize", () => scrollRegions(document));
document.addEventListener("htmx:afterSwap", (e) => scrollRegions(e.target.parentElement || document));
