// The embedded pages' messages to the page that frames them (docs/embedding.md): "loaded" on every page shown, then
// for signing (/e) "signed", "declined" or "error" (with the API's problem code), for sending (/e/send) "sent" or "error". The target is always the one origin the
// organization registered and the URL was bound to (data-origin, from the server), never "*".
const holder = document.getElementById("embed-events");
if (holder && window.parent !== window && holder.dataset.origin) {
  const origin = holder.dataset.origin;
  const base = { source: "sigill", version: 1 };
  if (holder.dataset.documentId) base.documentId = holder.dataset.documentId;
  if (holder.dataset.recipientId) base.recipientId = holder.dataset.recipientId;
  const send = (event, extra) => window.parent.postMessage({ ...base, event, ...extra }, origin);
  send("loaded");
  const event = holder.dataset.event;
  if (event === "signed" || event === "declined" || event === "sent") send(event);
  else if (event === "error") send("error", { code: holder.dataset.code || "unknown" });
}
