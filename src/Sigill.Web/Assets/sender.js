// The sender's document page: draws the pages with pdf.js and, on a draft, lets the sender drag a field from the
// palette onto a page, drag a placed field to move it, and remove one. Pointer events, so mouse, pen and touch all
// work; the form under the pages does the same with the keyboard. Every change is a POST of the page's handler at
// data-post, carrying the hidden inputs of its field form (the antiforgery token, or on the embedded sending page its
// sealed session, which never goes into a URL), that answers JSON; the API checks that the field lies on the page.
// The embedded page fetches the PDF the same way (data-pdf-post): a GET could carry no session.
import { renderPages, placeBox } from "./pdf-pages.js";

const pages = document.getElementById("pages");
const status = document.getElementById("pages-status");
const form = document.getElementById("field-form");
const announce = (text) => { status.textContent = text; };
// The page's words, in its language, from the data-t-* attributes of #pages ("{0} placed on page {1}.").
const t = (key, ...values) => (pages.dataset[key] ?? key).replace(/\{(\d)\}/g, (_, i) => String(values[Number(i)]));

// The field form's hidden inputs: what proves a post comes from this page.
function credentials() {
  const body = new FormData();
  for (const input of form?.querySelectorAll("input[type=hidden]") ?? []) body.append(input.name, input.value);
  return body;
}

async function post(handler, data) {
  const body = credentials();
  for (const [k, v] of Object.entries(data)) body.append(k, String(v));
  const response = await fetch(`${pages.dataset.post}?handler=${handler}`, {
    method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
  });
  const json = await response.json().catch(() => ({ error: t("tServer") }));
  if (!response.ok) throw new Error(json.error ?? `HTTP ${response.status}`);
  return json;
}

// Where a screen point falls on a page, in PDF points from the page's top-left corner.
function pointOnPage(clientX, clientY) {
  for (const holder of pages.querySelectorAll(".page")) {
    const r = holder.getBoundingClientRect();
    if (clientX >= r.left && clientX <= r.right && clientY >= r.top && clientY <= r.bottom) {
      const perPixel = Number(holder.dataset.width) / r.width;
      return { holder, x: (clientX - r.left) * perPixel, y: (clientY - r.top) * perPixel };
    }
  }
  return null;
}

function inside(holder, x, y, w, h) {
  const W = Number(holder.dataset.width), H = Number(holder.dataset.height);
  return { x: Math.max(0, Math.min(x, W - w)), y: Math.max(0, Math.min(y, H - h)) };
}

// Follows the pointer with an outline of the field's size; calls onDrop(hit, event) when it is let go over a page, and
// onEnd however the drag ends (let go anywhere, or cancelled by the browser, as a touch turning into a scroll is).
function drag(start, w, h, colour, label, grab, onDrop, onEnd = () => {}) {
  const first = pages.querySelector(".page");
  const pixels = first.getBoundingClientRect().width / Number(first.dataset.width);
  const ghost = document.createElement("div");
  ghost.className = `ghost r${colour}`;
  ghost.textContent = label;
  ghost.style.width = `${w * pixels}px`;
  ghost.style.height = `${h * pixels}px`;
  const follow = (e) => {
    ghost.style.left = `${e.clientX - grab.x * pixels}px`;
    ghost.style.top = `${e.clientY - grab.y * pixels}px`;
  };
  follow(start);
  document.body.append(ghost);
  const stop = () => {
    window.removeEventListener("pointermove", follow);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", stop);
    ghost.remove();
    onEnd();
  };
  const end = (e) => {
    stop();
    const hit = pointOnPage(e.clientX, e.clientY);
    if (hit) onDrop(hit, e);
  };
  window.addEventListener("pointermove", follow);
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", stop);
}

function labelOf(field) {
  const who = document.querySelector(`#place-recipient option[value="${field.recipientId}"]`);
  const kind = document.querySelector(`.palette-item[data-kind="${field.kind}"]`);
  return `${who?.textContent ?? ""} · ${field.label ?? kind?.textContent ?? field.kind}`;
}

function colourOf(recipientId) {
  return document.querySelector(`#place-recipient option[value="${recipientId}"]`)?.dataset.colour ?? "0";
}

// A placed field on its page, and in the list under the pages.
function show(field) {
  const holder = pages.querySelector(`.page[data-page="${field.page}"]`);
  const box = document.createElement("div");
  box.className = `placed r${colourOf(field.recipientId)}`;
  Object.assign(box.dataset, { field: field.id, recipient: field.recipientId, x: field.x, y: field.y, w: field.width, h: field.height });
  const text = document.createElement("span");
  text.textContent = labelOf(field);
  box.append(text);
  holder.append(box);
  placeBox(holder, box);
  const item = document.createElement("li");
  item.dataset.field = field.id;
  const name = document.createElement("span");
  name.textContent = t("tPage", labelOf(field), field.page);
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.dataset.remove = field.id;
  remove.textContent = t("tRemove");
  remove.setAttribute("aria-label", t("tRemoveOn", labelOf(field), field.page));
  item.append(name, remove, ...editorFor(field));
  document.getElementById("field-list").append(item);
  sendable();
}

// The label-and-required editor of a field placed here, from the page's template (it carries the form's antiforgery
// token, or on the embedded page its sealed session).
function editorFor(field) {
  const template = document.getElementById("field-edit-template");
  if (!template) return [];
  const editor = template.content.firstElementChild.cloneNode(true);
  editor.querySelector('input[name="fieldId"]').value = field.id;
  const label = editor.querySelector('input[name="label"]');
  label.id = `label-${field.id}`;
  label.placeholder = document.querySelector(`.palette-item[data-kind="${field.kind}"]`)?.textContent ?? "";
  label.value = field.label ?? "";
  const required = editor.querySelector('input[type="checkbox"]');
  required.id = `required-${field.id}`;
  required.checked = field.required;
  for (const l of editor.querySelectorAll("label")) l.htmlFor = l.htmlFor.replace("-new", `-${field.id}`);
  return [editor];
}

// The page drawn again by the server, with the editors of every field. The embedded page cannot reload (its URL was
// for one use) and keeps its session out of URLs: it posts ?handler=Show with the session, answered with the page.
function showAgain() {
  if (!pages.dataset.pdfPost) return location.reload();
  const again = document.createElement("form");
  again.method = "post";
  again.action = `${pages.dataset.post}?handler=Show`;
  again.hidden = true;
  for (const [name, value] of credentials()) {
    const input = document.createElement("input");
    Object.assign(input, { type: "hidden", name, value });
    again.append(input);
  }
  document.body.append(again);
  again.submit();
}

function forget(fieldId) {
  for (const el of document.querySelectorAll(`[data-field="${fieldId}"]`)) el.remove();
  sendable();
}

// The send section as the server would draw it now: the warning naming the signers with no field yet, else the send
// button. (The API refuses to send in that case anyway; this only saves a reload, which the embedded page cannot do.)
function sendable() {
  const warning = document.getElementById("signers-without-fields");
  const ready = document.getElementById("send-ready");
  if (!warning || !ready) return;
  const placed = new Set([...pages.querySelectorAll(".placed")].map((box) => box.dataset.recipient));
  const bare = [...document.querySelectorAll("#place-recipient option")].filter((o) => !placed.has(o.value)).map((o) => o.textContent);
  warning.textContent = bare.length === 0 ? "" : (bare.length === 1 ? warning.dataset.one : warning.dataset.many).replace("{0}", bare.join(", "));
  warning.hidden = bare.length === 0;
  ready.hidden = bare.length > 0;
}

function editing() {
  for (const item of document.querySelectorAll(".palette-item")) {
    item.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      const select = document.getElementById("place-recipient");
      const recipientId = select.value;
      const w = Number(item.dataset.w), h = Number(item.dataset.h);
      drag(e, w, h, colourOf(recipientId), `${select.selectedOptions[0].textContent} · ${item.textContent}`, { x: w / 2, y: h / 2 }, async (hit) => {
        const at = inside(hit.holder, hit.x - w / 2, hit.y - h / 2, w, h);
        try {
          const field = await post("AddField", { RecipientId: recipientId, Kind: item.dataset.kind, Page: hit.holder.dataset.page, X: at.x.toFixed(2), Y: at.y.toFixed(2) });
          if (item.dataset.settings) return showAgain(); // options or a formula to set: the page draws its settings editor
          show(field);
          announce(t("tPlaced", labelOf(field), field.page));
        } catch (error) {
          announce(error.message);
        }
      });
    });
  }
  pages.addEventListener("pointerdown", (e) => {
    const box = e.target.closest(".placed");
    if (!box) return;
    e.preventDefault();
    const r = box.getBoundingClientRect();
    const perPixel = Number(box.dataset.w) / r.width;
    const grab = { x: (e.clientX - r.left) * perPixel, y: (e.clientY - r.top) * perPixel };
    const w = Number(box.dataset.w), h = Number(box.dataset.h);
    const [startX, startY] = [e.clientX, e.clientY];
    box.classList.add("moving");
    drag(e, w, h, [...box.classList].find((c) => /^r\d$/.test(c))?.slice(1) ?? "0", box.textContent, grab, async (hit, end) => {
      if (Math.hypot(end.clientX - startX, end.clientY - startY) < 4) return; // a click, not a move
      const at = inside(hit.holder, hit.x - grab.x, hit.y - grab.y, w, h);
      try {
        const field = await post("MoveField", { FieldId: box.dataset.field, Page: hit.holder.dataset.page, X: at.x.toFixed(2), Y: at.y.toFixed(2) });
        forget(box.dataset.field);
        show(field);
        announce(t("tMoved", labelOf(field), field.page));
      } catch (error) {
        announce(error.message);
      }
    }, () => box.classList.remove("moving"));
  });
  document.getElementById("field-list").addEventListener("click", async (e) => {
    const id = e.target.closest("button[data-remove]")?.dataset.remove;
    if (!id) return;
    try {
      await post("RemoveField", { FieldId: id });
      forget(id);
      announce(t("tRemoved"));
    } catch (error) {
      announce(error.message);
    }
  });
}

async function main() {
  try {
    const init = pages.dataset.pdfPost ? { method: "POST", body: credentials() } : undefined;
    const count = await renderPages(pages.dataset.pdf, pages.querySelectorAll(".page"), ".placed", init);
    announce(count === 1 ? t("tOnePage") : t("tPages", count));
    document.body.dataset.pagesRendered = "true";
  } catch {
    announce(t("tPagesFailed"));
    document.body.dataset.pagesRendered = "failed";
    return;
  }
  if (pages.dataset.editable === "true" && form) editing();
}

main();
