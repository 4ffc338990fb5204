// Draws a PDF's pages with pdf.js into the page holders of a page (<div class="page" data-page data-width data-height>
// with a <canvas>), at the holder's width and the screen's pixel density, and places the holder's boxes
// (elements with data-x, data-y, data-w, data-h in PDF points from the top-left corner) as percentages of the page.
// Relative paths keep every module inside the same asset version (Routing/StaticAssets.cs).
import * as pdfjs from "./vendor/pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = new URL("./vendor/pdfjs/pdf.worker.min.mjs", import.meta.url).href;

// One fetch per page load: drawing again (after a zoom) reuses the document.
const loaded = new Map();

async function load(url, init) {
  if (!loaded.has(url)) {
    loaded.set(url, (async () => {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return pdfjs.getDocument({ data: new Uint8Array(await response.arrayBuffer()), isEvalSupported: false }).promise;
    })());
  }
  return loaded.get(url);
}

export async function renderPages(url, holders, boxSelector, init) {
  const pdf = await load(url, init);
  for (const holder of holders) {
    const page = await pdf.getPage(Number(holder.dataset.page));
    const canvas = holder.querySelector("canvas");
    const base = page.getViewport({ scale: 1 });
    const scale = (holder.clientWidth / base.width) * (window.devicePixelRatio || 1);
    const viewport = page.getViewport({ scale });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    await page.render({ canvas, viewport }).promise;
    for (const box of holder.querySelectorAll(boxSelector)) placeBox(holder, box);
  }
  return pdf.numPages;
}

export function placeBox(holder, box) {
  const w = Number(holder.dataset.width), h = Number(holder.dataset.height);
  box.style.left = `${(100 * Number(box.dataset.x)) / w}%`;
  box.style.top = `${(100 * Number(box.dataset.y)) / h}%`;
  box.style.width = `${(100 * Number(box.dataset.w)) / w}%`;
  box.style.height = `${(100 * Number(box.dataset.h)) / h}%`;
}

// A "Zoom in" / "Fit to width" button for narrow screens: the pages are drawn again at twice the width (sharp, not
// stretched), scrolling sideways inside their frame; the boxes follow, being percentages of the page.
export function zoomControl(pages, button, redraw) {
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const zoomed = pages.classList.toggle("zoomed");
    // The page gives the words in its language (data-zoom-in, data-fit-width); English otherwise.
    button.textContent = zoomed ? button.dataset.fitWidth ?? "Fit to width" : button.dataset.zoomIn ?? "Zoom in";
    button.setAttribute("aria-pressed", String(zoomed));
    await redraw();
  });
}
