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
    status.textContent = count === 1 ? pages.dataset.shownOne : pages.dataset.shown.replace("{0}", count);
    document.body.dataset.pagesRendered = "true";
  } catch (e) {
    status.textContent = pages.dataset.failed;
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
  // An attachment is done once uploaded (data-attached), and a required one left until then (data-pending): choosing a file is not uploading it.
  const required = () => ids.filter((id) => inputsOf(form, id).some((i) => (i.required || i.dataset.pending) && !i.disabled));
  const isEmpty = (id) => {
    const inputs = inputsOf(form, id).filter((i) => !i.disabled);
    if (inputs.some((i) => i.dataset.attached)) return false;
    return inputs.some((i) => i.dataset.pending) || valueOf(form, id) === "";
  };
  const update = () => {
    const left = required().filter(isEmpty).length;
    // The words come from the page, in the recipient's language.
    status.textContent = left === 0 ? status.dataset.all : left === 1 ? status.dataset.leftOne : status.dataset.left.replace("{0}", left);
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
      const hint = document.getElementById("draw-hint");
      hint.textContent = hint.dataset.drawFirst;
      canvas.focus();
      return;
    }
    drawn.value = png;
  });
  show();
}

// A formula field's expression (docs/fields.md "Formulas"), parsed with the same grammar as the server's Formula.cs:
// numbers, + - * /, parentheses, unary minus, {field}, pricing.subtotal|discount|tax|total, round(x, n), min, max.
// Returns a function of (fields, pricing), or null when the text is not a formula. Binary floating point here: the page
// shows the value for comfort; the server computes the signed value in decimal.
function parseFormula(text) {
  let at = 0;
  const space = () => { while (at < text.length && " \t\r\n".includes(text[at])) at++; };
  const take = (c) => { space(); if (text[at] !== c) return false; at++; return true; };
  const fail = () => { throw new Error("formula"); };
  const expression = (depth) => {
    if (depth > 20) fail();
    let node = term(depth);
    for (space(); text[at] === "+" || text[at] === "-"; space()) {
      const op = text[at++], left = node, right = term(depth);
      node = op === "+" ? (f, p) => left(f, p) + right(f, p) : (f, p) => left(f, p) - right(f, p);
    }
    return node;
  };
  const term = (depth) => {
    let node = unary(depth);
    for (space(); text[at] === "*" || text[at] === "/"; space()) {
      const op = text[at++], left = node, right = unary(depth);
      node = op === "*" ? (f, p) => left(f, p) * right(f, p)
        : (f, p) => { const d = right(f, p); if (d === 0) fail(); return left(f, p) / d; };
    }
    return node;
  };
  const unary = (depth) => {
    if (!take("-")) return primary(depth);
    if (depth + 1 > 20) fail();
    const operand = unary(depth + 1);
    return (f, p) => -operand(f, p);
  };
  const primary = (depth) => {
    space();
    const rest = text.slice(at);
    let m;
    if ((m = /^\d+(\.\d+)?/.exec(rest))) { at += m[0].length; const v = Number(m[0]); return () => v; }
    if ((m = /^\{([A-Za-z_][A-Za-z0-9_]{0,39})\}/.exec(rest))) {
      at += m[0].length;
      const name = m[1];
      return (f) => { if (!(name in f)) fail(); return f[name]; };
    }
    if ((m = /^pricing\.(subtotal|discount|tax|total)\b/.exec(rest))) {
      at += m[0].length;
      const name = m[0];
      return (f, p) => { if (!(name in p)) fail(); return p[name]; };
    }
    if ((m = /^(round|min|max)\s*\(/.exec(rest))) {
      at += m[0].length;
      if (depth + 1 > 20) fail();
      const args = [expression(depth + 1)];
      while (take(",")) args.push(expression(depth + 1));
      if (!take(")") || (m[1] === "round" && args.length !== 2)) fail();
      if (m[1] === "round") {
        return (f, p) => {
          const n = args[1](f, p);
          if (!Number.isInteger(n) || n < 0 || n > 10) fail();
          return roundAway(args[0](f, p), n);
        };
      }
      const pick = m[1] === "min" ? Math.min : Math.max;
      return (f, p) => pick(...args.map((a) => a(f, p)));
    }
    if (take("(")) { const inner = expression(depth + 1); if (!take(")")) fail(); return inner; }
    return fail();
  };
  try {
    if (text.length > 500) return null;
    const root = expression(0);
    space();
    return at === text.length ? root : null;
  } catch {
    return null;
  }
}

// Half away from zero, as the server rounds (the small nudge absorbs binary representation: 1.005 is 1.00499…).
const roundAway = (x, n) => Math.sign(x) * Math.round(Math.abs(x) * 10 ** n * (1 + Number.EPSILON)) / 10 ** n;

// Formula fields: recomputed whenever the signer changes a number (an empty or hidden one counts as 0, as on the server).
function formulas() {
  const form = document.getElementById("sign-form");
  const outputs = form ? [...form.querySelectorAll("output[data-formula]")] : [];
  if (outputs.length === 0) return;
  const prices = document.getElementById("formula-pricing")?.dataset ?? {};
  const pricing = {};
  for (const key of ["subtotal", "discount", "tax", "total"]) if (prices[key] !== undefined) pricing[`pricing.${key}`] = Number(prices[key]);
  const names = [...form.querySelectorAll("[data-formula-name]")];
  const compiled = outputs.map((output) => ({ output, run: parseFormula(output.dataset.formula || ""), decimals: Number(output.dataset.formulaDecimals) || 0 }));
  const update = () => {
    const fields = {};
    for (const n of names) {
      const value = Number(valueOf(form, n.dataset.formulaField) || "0");
      fields[n.dataset.formulaName] = Number.isFinite(value) ? value : 0;
    }
    const decimalMark = (1.5).toLocaleString(document.documentElement.lang || "en").includes(",") ? "," : ".";
    for (const { output, run, decimals } of compiled) {
      let text = output.dataset.formulaFailed;
      try {
        const value = run ? roundAway(run(fields, pricing), decimals) : NaN;
        // With the page language's decimal mark, as the sealed PDF stamps it (307,34 in Swedish).
        if (Number.isFinite(value) && Math.abs(value) < 1e12) text = value.toFixed(decimals).replace(".", decimalMark);
      } catch {
        // division by zero or a name without a value: the text above
      }
      output.value = text;
    }
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("fields-changed", update);
  update();
}

// An attachment's Upload button posts the sign form to the Attach handler: the signature's own checks (a drawing is
// required in "Draw it" mode) are for signing, so that submit does not reach the form's listeners.
document.addEventListener("submit", (e) => {
  if (e.submitter && e.submitter.hasAttribute("data-upload")) e.stopPropagation();
}, true);

conditions();
formulas();
guideFields();
signatureModes();
showPages();
