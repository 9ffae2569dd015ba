// Reads a Carnet ICS feed on stdin with ical.js and prints what a client would see, as JSON.
//
// Usage: node check.mjs '{"from": "2026-01-01T00:00:00Z", "until": "2027-01-01T00:00:00Z",
//                         "probes": {"Europe/Paris": ["2026-03-29T03:00:00", ...]}}' < feed.ics
//
// Output:
//   events:    one entry per master VEVENT (no RECURRENCE-ID) with its occurrences between
//              "from" and "until" as UTC instants, overrides (RECURRENCE-ID) and EXDATEs applied;
//   timezones: for each VTIMEZONE, the UTC instant ical.js gives each probed local wall time.
// Time zones are resolved only from the feed's own VTIMEZONEs (nothing is registered in
// ical.js's TimezoneService), as a subscribing client without a zone database would.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");
const options = JSON.parse(process.argv[2] || "{}");
const from = options.from ? Date.parse(options.from) / 1000 : -Infinity;
const until = options.until ? Date.parse(options.until) / 1000 : Infinity;
const MAX_OCCURRENCES = 2000; // an endless rule without "until" must still end

const root = new ICAL.Component(ICAL.parse(text));
const iso = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");

// Probes go from local wall time to UTC, as a client reads a DTSTART;TZID=...: ical.js's
// own UTC-to-zone conversion looks the offset up with the UTC wall time, a known quirk.
const timezones = {};
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtimezone);
  const probes = (options.probes || {})[zone.tzid] || [];
  timezones[zone.tzid] = probes.map((local) => {
    const time = ICAL.Time.fromDateTimeString(local);
    time.zone = zone;
    return [local, time.toUnixTime()];
  });
}

const vevents = root.getAllSubcomponents("vevent");
const exceptions = {};
for (const vevent of vevents) {
  if (vevent.hasProperty("recurrence-id")) {
    const uid = vevent.getFirstPropertyValue("uid");
    (exceptions[uid] ||= []).push(vevent);
  }
}

const events = [];
for (const vevent of vevents) {
  if (vevent.hasProperty("recurrence-id")) continue;
  const uid = vevent.getFirstPropertyValue("uid");
  const event = new ICAL.Event(vevent, { strictExceptions: true, exceptions: exceptions[uid] || [] });
  const zone = event.startDate.zone;
  const occurrences = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    const start = details.startDate.toUnixTime();
    if (start >= until) break;
    if (details.endDate.toUnixTime() <= from) continue;
    occurrences.push({
      recurrenceId: iso(details.recurrenceId),
      start: iso(details.startDate),
      end: iso(details.endDate),
      summary: details.item.summary,
      moved: details.item !== event,
    });
    if (!event.isRecurring() || occurrences.length >= MAX_OCCURRENCES) break;
  }
  events.push({
    uid,
    summary: event.summary,
    recurring: event.isRecurring(),
    tzid: zone ? zone.tzid : null,
    // true when the TZID was resolved to a VTIMEZONE of this feed, not left floating
    zoneFromFeed: Boolean(zone && zone.component),
    occurrences,
  });
}

process.stdout.write(JSON.stringify({ events, timezones }));
