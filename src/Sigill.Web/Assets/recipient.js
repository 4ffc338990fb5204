// The recipient page's browser side: draws the document's pages with pdf.js (the exact PDF the server
// holds, fetched from /s/document.pdf, or posted for on the embedded /e), marks where the recipient's fields are, guides to the next required
// field, and switches between a typed and a drawn signature. The page works without it except for
// drawing (the form posts plain fields and the typed name).
import { renderPages, zoomControl } from "./pdf-pages.js";
import { signaturePad } from "./signature-pad.js";

async function showPages() {
  const status = document.getElementById("pages-status");
  // On /s the cookie names the document; on the embedded /e the sealed session field does, posted along.
  const pages = document.getElementById("pages");
  const sealed = document.querySelector("input[name=EmbedSession]")?.value;
  const init = sealed ? { method: "POST", body: new URLSearchParams({ EmbedSession: sealed }) } : undefined;
  const draw = () => renderPages(pages.dataset.pdf || "/s/document.pdf", document.querySelectorAll(".page"), ".field-box", init);
  zoomControl(document.getElementById("pages"), document.getElementById("zoom"), draw);
  try {
    const count = await draw();
    status.textContent = `${count} ${count === 1 ? "page" : "pages"} shown.`;
    document.body.dataset.pagesRendered = "true";
  } catch (e) {
    status.textContent = "The document could not be shown here; use “Download the PDF” to read it.";
    document.body.dataset.pagesRendered = "failed";
  }
}

// A field's inputs in the form (a radio group has several); the field boxes on the pages are outside it.
const inputsOf = (form, id) => [...form.querySelectorAll(`[data-field="${id}"]`)];

// The value a field holds now, as the API reads it: a ticked checkbox is "true", a radio group its checked option.
function valueOf(form, id) {
  const inputs = inputsOf(form, id).filter((i) => !i.disabled);
  if (inputs.length === 0) return "";
  if (inputs[0].type === "checkbox") return inputs[0].checked ? "true" : "";
  if (inputs[0].type === "radio") return inputs.find((i) => i.checked)?.value ?? "";
  return inputs[0].value.trim();
}

// Conditional fields: shown while the field they name holds their value (the API evaluates the same rule when signing).
// A hidden field's inputs are disabled, so they are neither required nor posted.
function conditions() {
  const form = document.getElementById("sign-form");
  // Razor writes data- attributes even when empty: a field without a condition has data-when-field="".
  const wraps = [...form.querySelectorAll("[data-field-wrap]")].filter((w) => w.dataset.whenField);
  if (wraps.length === 0) return;
  const update = () => {
    // Conditions can chain (C on B on A): repeat until nothing changes (at most once per field).
    for (let round = 0; round <= wraps.length; round++) {
      let changed = false;
      for (const wrap of wraps) {
        const source = form.querySelector(`[data-field-wrap="${wrap.dataset.whenField}"]`);
        const show = !!source && !source.hidden && valueOf(form, wrap.dataset.whenField) === wrap.dataset.whenEquals;
        if (wrap.hidden === !show) continue;
        changed = true;
        wrap.hidden = !show;
        for (const input of inputsOf(form, wrap.dataset.fieldWrap)) input.disabled = !show;
        const box = document.querySelector(`.field-box[data-field="${wrap.dataset.fieldWrap}"]`);
        if (box) box.hidden = !show;
      }
      if (!changed) break;
    }
    form.dispatchEvent(new Event("fields-changed"));
  };
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}

function guideFields() {
  const form = document.getElementById("sign-form");
  const next = document.getElementById("next-field");
  const status = document.getElementById("guide-status");
  if (!next) return;
  const ids = [...new Set([...form.querySelectorAll("[data-field]")].map((i) => i.dataset.field))];
  const required = () => ids.filter((id) => inputsOf(form, id).some((i) => i.required && !i.disabled));
  const isEmpty = (id) => valueOf(form, id) === "";
  const update = () => {
    const left = required().filter(isEmpty).length;
    status.textContent = left === 0 ? "All required fields are filled in." : `${left} required ${left === 1 ? "field" : "fields"} left.`;
    next.hidden = left === 0;
    for (const id of ids) {
      document.querySelector(`.field-box[data-field="${id}"]`)?.classList.toggle("done", !isEmpty(id));
    }
  };
  next.addEventListener("click", () => {
    const target = required().find(isEmpty);
    if (!target) return;
    document.querySelector(`.field-box[data-field="${target}"]`)?.scrollIntoView({ block: "center" });
    inputsOf(form, target)[0].focus();
  });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("fields-changed", update);
  update();
}

function signatureModes() {
  const canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  const pad = signaturePad(canvas);
  const typed = document.getElementById("typed-name");
  const drawn = document.getElementById("drawn-png");
  const show = () => {
    const draw = document.getElementById("mode-draw").checked;
    document.getElementById("draw-panel").hidden = !draw;
    document.getElementById("type-panel").hidden = draw;
    typed.required = !draw;
  };
  for (const radio of document.querySelectorAll("input[name=SignatureMode]")) radio.addEventListener("change", show);
  // The preview is the typed name in the handwriting font the signature is stamped with.
  const preview = document.getElementById("typed-preview");
  typed.addEventListener("input", () => { preview.textContent = typed.value; });
  document.getElementById("clear-pad").addEventListener("click", pad.clear);
  document.getElementById("sign-form").addEventListener("submit", (e) => {
    if (!document.getElementById("mode-draw").checked) return;
    const png = pad.png();
    if (!png) {
      e.preventDefault();
      document.getElementById("draw-hint").textContent = "Draw your signature first, or choose “Type it”.";
      canvas.focus();
      return;
    }
    drawn.value = png;
  });
  show();
}

// An attachment's Upload button posts the sign form to the Attach handler: the signature's own checks (a drawing is
// required in "Draw it" mode) are for signing, so that submit does not reach the form's listeners.
document.addEventListener("submit", (e) => {
  if (e.submitter && e.submitter.hasAttribute("data-upload")) e.stopPropagation();
}, true);

conditions();
guideFields();
signatureModes();
showPages();
