// A premiere's room over real sockets (no browser): 500 participants on WebSockets (`ws`) and one on
// the fallback (an event stream plus POSTs) in one room of a real `festival serve`. Every participant
// receives every chat message in the same seq order; a participant muted by an organizer's socket
// speaks to themselves alone; participants who vanish (a socket destroyed without a close frame, one
// that stops reading and so never answers a ping) leave the count within 30 s; the count is the
// number of participants.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { demoAccounts, signInApi, startFestival, waitFor } from './support.mjs';

const PARTICIPANTS = 500;
const SENDERS = 10;
const ROUNDS = 3;

let festival;
let organizer;
let premiereId;
const everyone = [];  // every WebSocket participant, in order of joining
let stream;           // the participant on the event stream

const token = () => randomBytes(16).toString('hex');

/** Organizer API calls from Node; resolves with {status, body}. */
async function api(method, pathname, body) {
  const response = await fetch(festival.url + pathname, {
    method,
    headers: { Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** What one participant saw: chat messages in arrival order, counts, errors, mutes. */
function recorder() {
  return { chat: [], counts: [], errors: [], mutes: [], welcome: null };
}
function record(who, message) {
  if (message.type === 'welcome') who.welcome = message;
  else if (message.type === 'message') who.chat.push(message);
  else if (message.type === 'count') who.counts.push(message.count);
  else if (message.type === 'error') who.errors.push(message);
  else if (message.type === 'muted') who.mutes.push(message);
}

/** A participant on a WebSocket: resolves once its welcome arrived. */
function joinSocket({ name, headers = {}, participant = token() } = {}) {
  const url = `${festival.url.replace(/^http/, 'ws')}/api/rooms/${premiereId}/socket`;
  const who = { ...recorder(), participant, name, ws: new WebSocket(url, { headers, perMessageDeflate: false }) };
  return new Promise((resolve, reject) => {
    who.ws.on('open', () => who.ws.send(JSON.stringify({ type: 'hello', participant, name })));
    who.ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      record(who, message);
      if (message.type === 'welcome') resolve(who);
      if (message.type === 'error' && !who.welcome) reject(new Error(`hello refused: ${data}`));
    });
    who.ws.on('error', reject);
  });
}

/** The fallback: an event stream for a new participant, then its hello by POST. */
async function joinStream(name) {
  const who = { ...recorder(), participant: token(), name };
  const { hostname, port } = new URL(festival.url);
  await new Promise((resolve, reject) => {
    who.request = http.get({ host: hostname, port, path: `/api/rooms/${premiereId}/events?participant=${who.participant}` }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`event stream: HTTP ${response.statusCode}`));
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        pending += chunk;
        let end;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (data) record(who, JSON.parse(data));
        }
      });
      resolve();
    });
    who.request.on('error', reject);
  });
  const hello = await post(who, { type: 'hello', name });
  assert.equal(hello.status, 202, JSON.stringify(hello.body));
  await waitFor(() => who.welcome, { timeoutMs: 10_000, message: 'the event stream\'s welcome' });
  return who;
}
async function post(who, message) {
  const response = await fetch(`${festival.url}/api/rooms/${premiereId}/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...message, participant: who.participant }),
  });
  return { status: response.status, body: await response.json() };
}

const say = (who, text) => who.ws.send(JSON.stringify({ type: 'say', text }));
const texts = (who) => who.chat.map((m) => m.text);
const lastCount = (who) => who.counts.at(-1);

const skip = spawnSync('sqlite3', ['-version']).status !== 0 ? 'sqlite3 is not installed (scripts/install-deps --tests)' : false;

describe('a premiere room with 500 participants on real sockets', { timeout: 180_000, skip }, () => {
  before(async () => {
    festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
    organizer = await signInApi(festival.url, demoAccounts.organizer);
    // A published film with a version (set in the catalog: a premiere needs one, the room no media).
    const film = await api('POST', '/api/films', { original_title: 'Séance', category: 'fiction', runtime_minutes: 95, published: true });
    assert.equal(film.status, 201, JSON.stringify(film.body));
    const updated = spawnSync('sqlite3', [path.join(festival.dataDir, 'catalog.db'),
      `PRAGMA busy_timeout = 5000; UPDATE films SET media_version = 1 WHERE id = ${film.body.id};`]);
    assert.equal(updated.status, 0, updated.stderr?.toString());
    // In an hour: before the screening the room is open for chat.
    const startsAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const premiere = await api('POST', `/api/films/${film.body.id}/premieres`, { starts_at: startsAt, qa_minutes: 30, note: 'bench of the room' });
    assert.equal(premiere.status, 201, JSON.stringify(premiere.body));
    premiereId = premiere.body.id;
  });

  after(async () => {
    for (const who of everyone) who.ws.terminate();
    stream?.request.destroy();
    await festival?.stop();
  });

  test('500 participants join, and the count is the number of participants', async () => {
    for (let i = 0; i < PARTICIPANTS; i += 50)  // 50 handshakes in flight at a time
      everyone.push(...await Promise.all(Array.from({ length: Math.min(50, PARTICIPANTS - i) }, (_, j) => joinSocket({ name: `Spectateur ${i + j}` }))));
    stream = await joinStream('Sans WebSocket');
    for (const who of everyone) {
      assert.equal(who.welcome.you.name, who.name);
      assert.match(who.welcome.you.id, /^[0-9a-f]{16}$/);
      assert.equal(who.welcome.you.moderator, false);
    }
    assert.equal(new Set(everyone.map((w) => w.welcome.you.id)).size, PARTICIPANTS, 'every participant has an id of their own');
    const observer = everyone[0];
    await waitFor(() => lastCount(observer) === PARTICIPANTS + 1 && lastCount(stream) === PARTICIPANTS + 1,
      { timeoutMs: 15_000, message: `count ${PARTICIPANTS + 1}` });
  });

  test('every participant receives every chat message in the same seq order, the event stream too', async () => {
    const senders = everyone.filter((_, i) => i % Math.floor(PARTICIPANTS / SENDERS) === 7).slice(0, SENDERS);
    assert.equal(senders.length, SENDERS);
    const sent = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, who] of senders.entries()) {
        const text = `round ${round} from ${k}: <b>bravo</b> & « merci » 🎬`;
        sent.push(text);
        say(who, text);
      }
      if (round === 1) {  // one through the fallback, between the sockets' messages
        const text = 'par POST, sans WebSocket';
        sent.push(text);
        assert.equal((await post(stream, { type: 'say', text })).status, 202);
      }
    }
    const all = [...everyone, stream];
    await waitFor(() => all.every((who) => who.chat.length >= sent.length),
      { timeoutMs: 30_000, message: `${sent.length} messages at each of ${all.length} participants` });
    const reference = everyone[0].chat.map((m) => m.seq);
    for (let i = 1; i < reference.length; i++) assert.ok(reference[i] > reference[i - 1], `seqs increase: ${reference}`);
    assert.deepEqual([...texts(everyone[0])].sort(), [...sent].sort(), 'exactly the messages sent, verbatim');
    for (const who of all) {
      assert.deepEqual(who.chat.map((m) => m.seq), reference, `${who.name} received the room's seqs in order`);
      assert.deepEqual(texts(who), texts(everyone[0]));
      assert.deepEqual(who.errors, []);
    }
    // The senders' own messages carry their ids and names.
    const first = everyone[0].chat.find((m) => m.text === sent[0]);
    assert.deepEqual(first.from, { id: senders[0].welcome.you.id, name: senders[0].name });
  });

  test('a participant muted by an organizer speaks to themselves alone', async () => {
    const moderator = await joinSocket({ name: 'Organisation', headers: { Cookie: organizer.cookie } });
    everyone.push(moderator);
    assert.equal(moderator.welcome.you.moderator, true, 'an organizer\'s session moderates');
    const muted = everyone[42];
    moderator.ws.send(JSON.stringify({ type: 'mute', id: muted.welcome.you.id }));
    await waitFor(() => muted.mutes.some((m) => m.id === muted.welcome.you.id && m.muted === true),
      { timeoutMs: 10_000, message: 'the muted notice to the participant' });
    say(muted, 'je parle dans le vide');
    await waitFor(() => texts(muted).includes('je parle dans le vide'), { timeoutMs: 10_000, message: 'the echo to the muted participant' });
    // A later message from someone else: once everyone has it, the muted one would have come before it.
    say(everyone[43], 'après la sourdine');
    const all = [...everyone, stream];
    await waitFor(() => all.every((who) => texts(who).includes('après la sourdine')),
      { timeoutMs: 30_000, message: 'the next message everywhere' });
    for (const who of all) {
      if (who === muted) continue;
      assert.ok(!texts(who).includes('je parle dans le vide'), `${who.name} did not receive the muted message`);
    }
    assert.deepEqual(muted.errors, [], 'the muted participant is not told');
  });

  test('participants who vanish leave the count within 30 s', async () => {
    const observer = everyone[0];
    const present = PARTICIPANTS + 2;  // the sockets, the event stream, the organizer
    await waitFor(() => lastCount(observer) === present, { timeoutMs: 15_000, message: `count ${present}` });
    const destroyed = everyone[100];
    const silent = everyone[101];
    destroyed.ws._socket.destroy();  // no close frame: the connection just ends
    silent.ws.pause();               // still connected, but reads nothing: no pong ever
    await waitFor(() => lastCount(observer) === present - 2 && lastCount(stream) === present - 2,
      { timeoutMs: 30_000, intervalMs: 200, message: `count ${present - 2} after two participants vanished` });
  });
});
