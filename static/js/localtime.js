// Times the server wrote in the session's time zone, shown again in this viewer's own zone,
// in the one plain form of the pages and the minutes: "Friday 15 January 2027, 14:30 CET",
// a 24-hour clock whatever the browser's locale would say.
// The page works without this script: then the session's time, with its zone's name, stays.

const PARTS = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});

/** "Friday 15 January 2027, 14:30 CET": a moment as the server's pages and minutes say it. */
export function plainMoment(when) {
  const part = Object.fromEntries(PARTS.formatToParts(when).map((p) => [p.type, p.value]));
  const day = `${part.weekday} ${part.day} ${part.month} ${part.year}`;
  return `${day}, ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

const DAY = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** "1 December 2026": a day the server wrote as "2026-12-01" (a KPI reading's), the same day
 * in every viewer's zone. */
export function plainDay(day) {
  const when = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(when.getTime())) return String(day);
  const part = Object.fromEntries(DAY.formatToParts(when).map((p) => [p.type, p.value]));
  return `${part.day} ${part.month} ${part.year}`;
}

for (const element of document.querySelectorAll("time[data-local][datetime]")) {
  const when = new Date(element.dateTime);
  if (!Number.isNaN(when.getTime())) element.textContent = plainMoment(when);
}
