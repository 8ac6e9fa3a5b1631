// Authoring pages: a line-number gutter beside the editor; "line N" buttons select that line in the editor;
// ?question=<id> (the item analysis links here) selects that question's opening line; publish buttons
// submit once.
function selectLine(area, line) {
  const lines = area.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) start += lines[i].length + 1;
  const end = start + (lines[line - 1] || "").length;
  area.focus();
  area.setSelectionRange(start, end);
  const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
  area.scrollTop = Math.max(0, (line - 5) * height);
  area.dispatchEvent(new Event("scroll"));
}
// The textarea does not wrap (wrap="off"), so gutter line n sits beside source line n.
function numberLines(area, gutter) {
  const count = area.value.split("\n").length;
  if (gutter.childElementCount !== count) {
    const numbers = [];
    for (let i = 1; i <= count; i += 1) numbers.push(`<span>${i}</span>`);
    gutter.innerHTML = numbers.join("");
  }
  gutter.scrollTop = area.scrollTop;
}
document.addEventListener("DOMContentLoaded", () => {
  const area = document.getElementById("id_source");
  if (!area) return;
  const gutter = document.createElement("div");
  gutter.className = "gutter";
  gutter.setAttribute("aria-hidden", "true");
  area.before(gutter);
  area.parentElement.classList.add("numbered");
  const update = () => numberLines(area, gutter);
  area.addEventListener("input", update);
  area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
  update();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-goto-line]");
  const area = document.getElementById("id_source");
  if (!button || !area) return;
  selectLine(area, parseInt(button.dataset.gotoLine, 10) || 1);
});
document.addEventListener("DOMContentLoaded", () => {
  const area = document.getElementById("id_source");
  const wanted = new URLSearchParams(window.location.search).get("question");
  if (!area || !wanted) return;
  const index = area.value.split("\n").findIndex((l) => l.trim() === `::: question ${wanted}`);
  if (index >= 0) selectLine(area, index + 1);
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList.contains("publish")) return;
  form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
});
