// A small drawing pad on a <canvas>: pointer events (finger, pen, mouse) draw strokes; png() returns the
// drawing as base64 PNG (without the data: prefix), or null when nothing was drawn. The keyboard
// alternative is the typed signature next to it.
export function signaturePad(canvas) {
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let empty = true;

  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
  };
  const reset = () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#10213a";
    empty = true;
  };

  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = point(e);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.1, y + 0.1);
    ctx.stroke();
    empty = false;
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = point(e);
    ctx.lineTo(x, y);
    ctx.stroke();
    e.preventDefault();
  });
  for (const end of ["pointerup", "pointercancel"]) canvas.addEventListener(end, () => { drawing = false; });

  reset();
  return {
    clear: reset,
    png: () => (empty ? null : canvas.toDataURL("image/png").slice("data:image/png;base64,".length)),
  };
}
