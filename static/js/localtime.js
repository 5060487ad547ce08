// Times the server wrote in the session's time zone, shown again in this viewer's own zone.
// The page works without this script: then the session's time, with its zone's name, stays.

const FORMAT = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});

for (const element of document.querySelectorAll("time[data-local][datetime]")) {
  const when = new Date(element.dateTime);
  if (!Number.isNaN(when.getTime())) element.textContent = FORMAT.format(when);
}
