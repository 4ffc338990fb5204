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

function guideFields() {
  const form = document.getElementById("sign-form");
  const next = document.getElementById("next-field");
  const status = document.getElementById("guide-status");
  if (!next) return;
  const required = [...form.querySelectorAll("input[data-field][required]")];
  const isEmpty = (input) => (input.type === "checkbox" ? !input.checked : input.value.trim() === "");
  const update = () => {
    const left = required.filter(isEmpty).length;
    status.textContent = left === 0 ? "All required fields are filled in." : `${left} required ${left === 1 ? "field" : "fields"} left.`;
    next.hidden = left === 0;
    for (const input of form.querySelectorAll("input[data-field]")) {
      document.querySelector(`.field-box[data-field="${input.dataset.field}"]`)?.classList.toggle("done", !isEmpty(input));
    }
  };
  next.addEventListener("click", () => {
    const target = required.find(isEmpty);
    if (!target) return;
    document.querySelector(`.field-box[data-field="${target.dataset.field}"]`)?.scrollIntoView({ block: "center" });
    target.focus();
  });
  form.addEventListener("input", update);
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

guideFields();
signatureModes();
showPages();
