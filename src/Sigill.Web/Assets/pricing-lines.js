// The New document form's "Add line": adds an empty pricing line in place (the next index, so the form binds it like
// the others), moves the focus to its description and says so to screen readers. Without this script the button posts
// the form back and the page returns with one more line (NewModel.OnPostAddLineAsync). The words come from the page's
// data- attributes, in its language (data-label on each input, data-added on the lines).
const lines = document.getElementById("pricing-lines");
const add = document.getElementById("add-line");
const status = document.getElementById("pricing-status");

if (lines && add) {
  const max = Number(lines.dataset.max);
  add.addEventListener("click", (event) => {
    event.preventDefault();
    const index = lines.rows.length;
    if (index >= max) return;
    const row = lines.rows[index - 1].cloneNode(true);
    for (const input of row.querySelectorAll("input")) {
      input.id = input.id.replace(/^line-\d+-/, `line-${index}-`);
      input.name = input.name.replace(/^Pricing\[\d+\]/, `Pricing[${index}]`);
      input.setAttribute("aria-label", input.dataset.label.replace("{0}", String(index + 1)));
      input.removeAttribute("autofocus");
      input.value = "";
    }
    lines.appendChild(row);
    row.querySelector("input").focus();
    status.textContent = lines.dataset.added.replace("{0}", String(index + 1));
    if (index + 1 >= max) add.hidden = true;
  });
}
