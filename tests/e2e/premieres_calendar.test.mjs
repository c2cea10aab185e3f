// A premiere's calendar file read back by a real iCalendar parser (ical.js): a festival without
// transcoders, a film whose published version is laid out by hand (its manifest states the duration),
// a premiere scheduled through the API with an offset, the .ics downloaded with fetch. No browser.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import ICAL from 'ical.js';

import { filmWithVersion, staffCall } from './premiere-films.mjs';
import { demoAccounts, signInApi, startFestival } from './support.mjs';

let festival;
before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
});
after(async () => {
  await festival?.stop();
});

// 200 characters, most of them accented (two octets each in UTF-8): folded across several lines.
const longTitle = ('Séance à l’Éden — ' + 'Ça été très émouvant, où ĉu ñandú? '.repeat(6)).slice(0, 200);
const hostileNote = 'Q&A; with the director, in French\\English\nline two,\r\nline three; "quoted" \\n not a break';

// An instant a day from now, as a person in UTC−05:00 types it ("2026-12-01T15:00:00-05:00").
function inNewYork(secondsFromNow) {
  const at = new Date(Math.floor(Date.now() / 1000 + secondsFromNow) * 1000);
  const local = new Date(at.getTime() - 5 * 3600 * 1000).toISOString().slice(0, 19);
  return { text: `${local}-05:00`, unixSeconds: at.getTime() / 1000 };
}

test('the .ics of a premiere parses with ical.js: one event, its times, the title and a hostile note intact', { timeout: 60_000 }, async () => {
  const organizer = await signInApi(festival.url, demoAccounts.organizer);
  await filmWithVersion(festival, organizer, { slug: 'seance-ical', original_title: longTitle }, 5400.5);
  const starts = inNewYork(86400);
  const scheduled = await staffCall(festival, organizer, 'POST', '/api/films/seance-ical/premieres', {
    starts_at: starts.text, qa_minutes: 40, note: hostileNote,
  });
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
  const premiere = scheduled.body;
  assert.equal(Date.parse(premiere.starts_at) / 1000, starts.unixSeconds);
  assert.equal(premiere.duration_seconds, 5400.5);

  const response = await fetch(`${festival.url}/api/premieres/${premiere.id}/calendar.ics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/calendar/);
  const text = await response.text();
  // RFC 5545's framing, checked on the bytes before any parser is lenient about it.
  assert.ok(text.endsWith('\r\n'));
  assert.equal(text.replace(/\r\n/g, '').includes('\n'), false, 'every line ends with CRLF');
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `over 75 octets: ${line}`);
  assert.ok(text.split('\r\n').some((line) => line.startsWith(' ')), 'the long title is folded');

  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents('vevent');
  assert.equal(events.length, 1);
  const event = new ICAL.Event(events[0]);
  assert.equal(event.summary, longTitle);
  assert.equal(event.description, hostileNote.replace(/\r\n/g, '\n'));
  assert.equal(event.uid, `premiere-${premiere.id}@127.0.0.1`);
  assert.equal(event.startDate.toUnixTime(), Date.parse(premiere.starts_at) / 1000);
  assert.equal(event.endDate.toUnixTime(), Date.parse(premiere.room_closes_at) / 1000);
  assert.equal(event.endDate.toUnixTime() - event.startDate.toUnixTime(), 5401 + 40 * 60);
  assert.equal(event.startDate.zone.tzid, 'UTC');
  assert.equal(events[0].getFirstPropertyValue('url'), `${festival.url}/en/premieres/${premiere.id}`);
});
