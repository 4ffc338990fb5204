// The recipient page's browser side: draws the document's pages with pdf.js (the exact PDF the server
// holds, fetched from /s/document.pdf), marks where the recipient's fields are, guides to the next required
// field, and switches between a typed and a drawn signature. The page works without it except for
// drawing (the form posts plain fields and the typed name).
import * as pdfjs from "/assets/vendor/pdfjs/pdf.min.mjs";
import { signaturePad } from "/assets/signature-pad.js";

pdfjs.GlobalWorkerOptions.workerSrc = "/assets/vendor/pdfjs/pdf.worker.min.mjs";

async function renderPages() {
  const status = document.getElementById("pages-status");
  try {
    const response = await fetch("/s/document.pdf", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const pdf = await pdfjs.getDocument({ data: new Uint8Array(await response.arrayBuffer()), isEvalSupported: false }).promise;
    for (const holder of document.querySelectorAll(".page")) {
      const page = await pdf.getPage(Number(holder.dataset.page));
      const canvas = holder.querySelector("canvas");
      const base = page.getViewport({ scale: 1 });
      const scale = (holder.clientWidth / base.width) * (window.devicePixelRatio || 1);
      const viewport = page.getViewport({ scale });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      await page.render({ canvas, viewport }).promise;
      placeFieldBoxes(holder);
    }
    status.textContent = `${pdf.numPages} ${pdf.numPages === 1 ? "page" : "pages"} shown.`;
    document.body.dataset.pagesRendered = "true";
  } catch (e) {
    status.textContent = "The document could not be shown here; use “Download the PDF” to read it.";
    document.body.dataset.pagesRendered = "failed";
  }
}

// Field rectangles are in PDF points from the page's top-left corner: place them as percentages of the page.
function placeFieldBoxes(holder) {
  const w = Number(holder.dataset.width), h = Number(holder.dataset.height);
  for (const box of holder.querySelectorAll(".field-box")) {
    box.style.left = `${(100 * Number(box.dataset.x)) / w}%`;
    box.style.top = `${(100 * Number(box.dataset.y)) / h}%`;
    box.style.width = `${(100 * Number(box.dataset.w)) / w}%`;
    box.style.height = `${(100 * Number(box.dataset.h)) / h}%`;
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
renderPages();
