// Times on the pages are written in UTC (Pages/Times.cs); here they are shown in the reader's own time zone, with
// the zone named, and the UTC original kept as the tooltip. Without script the UTC text stays.
for (const el of document.querySelectorAll("time[data-local]")) {
  const moment = new Date(el.dateTime);
  if (Number.isNaN(moment.getTime())) continue;
  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    second: el.dataset.local === "s" ? "2-digit" : undefined, timeZoneName: "short",
  });
  el.title = el.textContent;
  el.textContent = format.format(moment);
}
