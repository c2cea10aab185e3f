// One premiere's room across two `festival serve` nodes on one PostgreSQL catalog, behind nginx as the
// balancer (deploy/nginx/festival-nodes.conf): the balancer hashes /api/rooms/<id>/… on the premiere id,
// so one node holds the room (docs/nodes.md, "Premiere rooms"). 40 participants (`ws` clients on three
// loopback addresses, one of them a moderator by the organizer's session) and a participant without
// WebSocket (the event stream and POST) join through the balancer and receive every message in one order;
// the other node never sees them (its own /metrics). The holder is killed with -9: the clients reconnect
// through the balancer as the page does (a new socket, hello again), the other node loads the room from
// the catalog: the history it had written, the question's votes and the mute are there, seq goes on after
// every seq given before, new messages reach everyone, and the premiere's attendance counts each
// participant once across both nodes. Then the killed node comes back (same port, same name) while the
// room is held by the other: the hash sends a newcomer to it, it answers 503 room_elsewhere (the other
// node holds the room in the catalog's room_holders) and the balancer passes the newcomer on, so the
// room stays whole: one count, messages both ways, no seq given twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { nginxAvailable } from './nginx-front.mjs';
import { addUser, festivalExe, startBalancer, startNode } from './nodes.mjs';
import { postgresqlUnavailable, psql, startPostgresql } from './postgresql.mjs';
import { signInApi, waitFor } from './support.mjs';

const PARTICIPANTS = 40;      // over WebSocket; participant 0 is the moderator
const LATE_COMERS = 5;        // join only after the fail-over: new to the room
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const curator = { email: 'curator@festival.test', password: 'room nodes test password 2026' };
const organizer = { email: 'organizer@festival.test', password: 'room nodes test password 2026' };

const hasPostgresql = existsSync(festivalExe) && (spawnSync('ldd', [festivalExe]).stdout?.toString().includes('libpq') ?? false);
const hasRooms = existsSync(festivalExe) && spawnSync('grep', ['-c', '/api/rooms/', festivalExe]).stdout?.toString().trim() !== '0';
const skipReason = () => {
  if (!nginxAvailable) return 'nginx is not installed (scripts/install-deps --tests)';
  if (!existsSync(festivalExe)) return `${festivalExe} is not built`;
  if (!hasPostgresql) return 'this build has no PostgreSQL engine (several nodes share a PostgreSQL catalog)';
  if (!hasRooms) return 'this build has no premiere rooms';
  return postgresqlUnavailable();
};

let work;
let catalog;
let nodes = [];
let balancer;
let premiere;          // its id
let organizerSession;

const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
async function api(session, pathname, init = {}) {
  const response = await fetch(`${balancer.url}${pathname}`, {
    ...init,
    headers: { ...(init.headers ?? {}), Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

// Requests a node answered on a route pattern of the rooms, by status code, from its own /metrics.
async function roomRequests(node, route, code) {
  const text = await node.metrics();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('festival_http_requests_total{')) continue;
    if (!line.includes(`route="${route}"`) || !line.includes(`code="${code}"`)) continue;
    total += Number(line.split(' ').pop());
  }
  return total;
}

const chatTexts = (client) => client.chat.map((m) => m.text);

// As the page does while the room has no live holder yet (a dead holder's claim goes stale after 5 s):
// tries again while the node answers 503 (room_elsewhere), within a bound.
async function retryingWhile503(attempt, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (!/\b503\b/.test(String(e?.message)) || Date.now() > deadline) throw new Error(`${what}: ${e?.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

// A participant as the page is one: a random token kept across reconnects, a WebSocket through the
// balancer from its own loopback address, hello first, then whatever the room sends.
class Participant {
  constructor(index, { name, cookie = null, address = ADDRESSES[index % ADDRESSES.length] } = {}) {
    this.index = index;
    this.token = randomBytes(16).toString('hex');
    this.name = name ?? `Guest ${index}`;
    this.cookie = cookie;
    this.address = address;
    this.received = [];   // every message, in arrival order, over every connection
    this.chat = [];       // the chat messages ({seq, text, from}), in arrival order
    this.socket = null;
    this.welcome = null;
    this.id = null;       // from.id as the room shows it to others
  }

  async connect() {
    const socket = new WebSocket(`${balancer.url.replace(/^http/, 'ws')}/api/rooms/${premiere}/socket`, {
      localAddress: this.address,
      headers: this.cookie ? { Cookie: this.cookie } : {},
    });
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', resolve));
    const welcome = new Promise((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString());
        this.received.push(message);
        if (message.type === 'message') this.chat.push(message);
        if (message.type === 'welcome') resolve(message);
        if (message.type === 'error' && !this.welcome) reject(new Error(`${this.name}: ${JSON.stringify(message)}`));
      });
      socket.once('error', reject);
      socket.once('close', (code) => reject(new Error(`${this.name}: closed (${code}) before the welcome`)));
    });
    welcome.catch(() => {});  // awaited below once open; a refused upgrade rejects both
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    this.send({ type: 'hello', participant: this.token, name: this.name });
    this.welcome = await welcome;
    this.id = this.welcome.you.id;
    return this.welcome;
  }

  // connect(), again while the balancer answers 503 room_elsewhere.
  join() {
    return retryingWhile503(() => this.connect(), this.name);
  }

  send(message) {
    this.socket.send(JSON.stringify(message));
  }

  has(predicate) {
    return this.received.some(predicate);
  }

  close() {
    this.socket?.terminate();
  }
}

// A participant without WebSocket: the event stream (GET …/events?participant=) for what the room sends,
// POST …/messages for what it says, both through the balancer.
class StreamParticipant {
  constructor(name) {
    this.token = randomBytes(16).toString('hex');
    this.name = name;
    this.received = [];
    this.request = null;
    this.ended = null;
  }

  // Opens the event stream, then says hello by POST (as the page does); resolves with the welcome.
  async join() {
    await retryingWhile503(() => this.open(), this.name);
    const hello = await this.post({ type: 'hello', name: this.name });
    assert.equal(hello.status, 202, JSON.stringify(hello.body));
    return waitFor(() => this.received.find((m) => m.type === 'welcome'), { timeoutMs: 15_000, message: 'the stream\'s welcome' });
  }

  open() {
    this.received = [];
    return new Promise((resolve, reject) => {
      const request = http.get(`${balancer.url}/api/rooms/${premiere}/events?participant=${this.token}`,
        { headers: { Accept: 'text/event-stream' }, localAddress: '127.0.0.4' }, (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new Error(`the event stream answered ${response.statusCode}`));
            return;
          }
          this.ended = new Promise((done) => response.once('close', done));
          let buffer = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
              if (data) this.received.push(JSON.parse(data));
            }
          });
          resolve();
        });
      request.once('error', reject);
      this.request = request;
    });
  }

  async post(message) {
    const response = await fetch(`${balancer.url}/api/rooms/${premiere}/messages`,
      json({ ...message, participant: this.token }));
    return { status: response.status, body: await response.json() };
  }

  close() {
    this.request?.destroy();
  }
}

describe('a premiere room on one of two nodes, and its fail-over', { skip: skipReason() ?? false }, () => {
  const participants = [];
  const stream = new StreamParticipant('Without WebSocket');
  let holder;
  let other;
  let lastSeqBefore = 0;
  let question;                  // the question asked before the kill, as everyone saw it
  let victim;                    // muted before the kill
  const saidBefore = [];         // chat texts everyone received before the kill

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'festival-room-nodes-'));
    chmodSync(work, 0o755);
    const dataDir = path.join(work, 'shared-data');
    catalog = await startPostgresql();
    addUser({ dataDir, catalog: catalog.url, ...curator, role: 'curator' });
    addUser({ dataDir, catalog: catalog.url, ...organizer, role: 'organizer' });
    const secret = 'room-nodes-test-media-token-secret-012345';
    const args = ['--transcoders', '0', '--metrics-listen', '127.0.0.1:0'];
    nodes = [await startNode({ dataDir, catalog: catalog.url, name: 'a', extraArgs: args }),
      await startNode({ dataDir, catalog: catalog.url, name: 'b', extraArgs: args })];
    balancer = await startBalancer({ work, nodePorts: nodes.map((n) => n.port), secret });

    // A film and its premiere, screening now (begun a minute ago, an hour long). The film has no media
    // here (the room is what is tested, no transcode), so the premiere is written into the catalog as
    // scheduling would write it; the nodes read it from there when the room opens.
    const session = await signInApi(balancer.url, curator.email, curator.password);
    const created = await api(session, '/api/films', json({
      slug: 'room-across-nodes', original_title: 'Room across nodes', category: 'short', published: true,
      texts: { en: { title: 'Room across nodes' } },
    }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    premiere = Number(await psql(catalog.url, `INSERT INTO premieres (film_id, starts_at, duration_seconds, qa_minutes, note, created_at)
      VALUES (${created.body.id}, '${iso(Date.now() - 60_000)}', 3600, 60, 'two nodes', '${iso(Date.now())}') RETURNING id`));
    assert.ok(premiere > 0);
    organizerSession = await signInApi(balancer.url, organizer.email, organizer.password);
  });

  after(async () => {
    for (const p of participants) p.close();
    stream.close();
    await balancer?.stop();
    for (const node of nodes) await node.kill('SIGTERM');
    await catalog?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test(`${PARTICIPANTS} participants and one without WebSocket share one room on one node`, { timeout: 120_000 }, async () => {
    participants.push(new Participant(0, { name: 'Moderator', cookie: organizerSession.cookie }));
    for (let i = 1; i < PARTICIPANTS; i++) participants.push(new Participant(i));
    // Joins come in a few at a time (the first one opens the room: it loads it from the catalog).
    for (let i = 0; i < participants.length; i += 10) await Promise.all(participants.slice(i, i + 10).map((p) => p.connect()));
    assert.equal(participants[0].welcome.you.moderator, true, 'the organizer\'s session moderates');
    assert.equal(participants[1].welcome.you.moderator, false);
    assert.equal(participants[0].welcome.premiere.id, premiere);
    assert.equal(participants[0].welcome.premiere.phase, 'screening');
    assert.equal(new Set(participants.map((p) => p.id)).size, PARTICIPANTS, 'one id per participant');

    // The participant without WebSocket: its hello, posted, is welcomed on its event stream.
    await stream.join();

    // Everyone says two things, all at once: everyone receives all of them, in one order.
    for (const round of [1, 2]) for (const p of participants) p.send({ type: 'say', text: `${p.name} says ${round}` });
    const viaStream = await stream.post({ type: 'say', text: 'said without WebSocket' });
    assert.equal(viaStream.status, 202, JSON.stringify(viaStream.body));
    const expected = 2 * PARTICIPANTS + 1;
    await waitFor(() => participants.every((p) => p.chat.length >= expected), { timeoutMs: 30_000, message: 'every chat message everywhere' });
    const order = participants[0].chat.map((m) => `${m.seq}:${m.text}`);
    for (const p of participants) {
      assert.equal(p.chat.length, expected, `${p.name} received each message once`);
      assert.deepEqual(p.chat.map((m) => `${m.seq}:${m.text}`), order, `${p.name} received them in the room's order`);
    }
    const seqs = participants[0].chat.map((m) => m.seq);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `seq strictly increases: ${seqs}`);
    assert.ok(chatTexts(participants[0]).includes('said without WebSocket'), 'the POST reached the WebSocket participants');
    await waitFor(() => stream.received.filter((m) => m.type === 'message').length >= expected,
      { timeoutMs: 15_000, message: 'every message on the event stream' });
    assert.deepEqual(stream.received.filter((m) => m.type === 'message').map((m) => `${m.seq}:${m.text}`), order,
      'the event stream carries the same messages in the same order');
    saidBefore.push(...chatTexts(participants[0]));

    // One node took every upgrade and every post (an open event stream is counted when it ends); the
    // other none: it holds no participant of the room.
    const counts = await Promise.all(nodes.map(async (n) => ({
      sockets: await roomRequests(n, '/api/rooms/{id}/socket', '101'),
      posts: await roomRequests(n, '/api/rooms/{id}/messages', '2xx'),  // 202: counted by its class
    })));
    const holderIndex = counts.findIndex((c) => c.sockets > 0);
    assert.ok(holderIndex >= 0, `a node counted the upgrades: ${JSON.stringify(counts)}`);
    holder = nodes[holderIndex];
    other = nodes[1 - holderIndex];
    assert.deepEqual(counts[holderIndex], { sockets: PARTICIPANTS, posts: 2 }, `node ${holder.name} holds the room`);
    assert.deepEqual(counts[1 - holderIndex], { sockets: 0, posts: 0 }, `node ${other.name} never saw the room`);
  });

  test('moderation and questions before the holder dies, all written to the catalog', { timeout: 60_000 }, async () => {
    const moderator = participants[0];
    victim = participants[7];
    moderator.send({ type: 'mute', id: victim.id });
    await waitFor(() => victim.has((m) => m.type === 'muted' && m.id === victim.id && m.muted === true), { message: 'the mute told to its participant' });
    await waitFor(() => moderator.has((m) => m.type === 'muted' && m.id === victim.id && m.muted === true), { message: 'the mute told to the moderator' });
    assert.ok(!participants[8].has((m) => m.type === 'muted'), 'other participants are not told');

    victim.send({ type: 'say', text: 'muted before the fail-over' });
    await waitFor(() => chatTexts(victim).includes('muted before the fail-over'), { message: 'the muted message echoed to its author' });
    participants[1].send({ type: 'ask', text: 'How long did the shoot take?' });
    question = await waitFor(() => participants[2].received.find((m) => m.type === 'question'), { message: 'the question' });
    for (const p of participants.slice(2, 7)) p.send({ type: 'vote', seq: question.seq });
    participants[3].send({ type: 'vote', seq: question.seq });  // a second vote of one participant does not count
    participants[9].send({ type: 'say', text: 'after the muted one' });
    await waitFor(() => participants.every((p) => chatTexts(p).includes('after the muted one')
      && p.received.some((m) => m.type === 'question' && m.seq === question.seq && m.votes === 5)), { message: 'the votes and the last message everywhere' });
    for (const p of participants) {
      if (p === victim) continue;
      assert.ok(!chatTexts(p).includes('muted before the fail-over'), `${p.name} never received the muted message`);
    }
    assert.ok(!stream.received.some((m) => m.text === 'muted before the fail-over'), 'nor did the event stream');
    saidBefore.push('after the muted one');
    lastSeqBefore = Math.max(...participants.flatMap((p) => p.received.map((m) => m.seq ?? 0)));

    // The room writer flushes every second: wait until everything said is in the catalog (what a node
    // that dies has not written yet is lost with it, docs/nodes.md).
    await waitFor(async () => {
      const stored = await psql(catalog.url, `SELECT count(*), COALESCE(max(seq), 0) FROM room_messages WHERE premiere_id = ${premiere}`);
      const votes = await psql(catalog.url, `SELECT votes FROM room_messages WHERE premiere_id = ${premiere} AND seq = ${question.seq}`);
      const muted = await psql(catalog.url, `SELECT count(*) FROM room_participants WHERE premiere_id = ${premiere}
        AND participant LIKE '${victim.id}%' AND muted_at IS NOT NULL`);
      return stored === `${saidBefore.length + 2}|${lastSeqBefore}` && votes === '5' && muted === '1';
    }, { timeoutMs: 15_000, message: 'the room written to the catalog' });
  });

  test('the holder is killed: the other node loads the room and everyone goes on there', { timeout: 120_000 }, async () => {
    await holder.kill('SIGKILL');
    await Promise.all(participants.map((p) => p.closed));  // the balancer ends every socket to the dead node
    await stream.ended;
    for (const p of participants) { p.chat = []; p.received = []; }
    const idsBefore = participants.map((p) => p.id);

    // As the page does: a new socket through the balancer, hello again with the same token (refused
    // with 503 room_elsewhere until the dead node's claim on the room is stale).
    for (let i = 0; i < participants.length; i += 10) await Promise.all(participants.slice(i, i + 10).map((p) => p.join()));
    const late = Array.from({ length: LATE_COMERS }, (_, i) => new Participant(PARTICIPANTS + i, { name: `Late ${i}` }));
    participants.push(...late);
    await Promise.all(late.map((p) => p.join()));
    await stream.join();

    assert.equal(await roomRequests(other, '/api/rooms/{id}/socket', '101'), PARTICIPANTS + LATE_COMERS, `node ${other.name} took every socket`);
    // The history as the other node loaded it: everything written before the kill, in the same order.
    const welcome = participants[1].welcome;
    assert.deepEqual(welcome.messages.map((m) => m.text), saidBefore, 'the chat history survived the fail-over');
    assert.ok(welcome.messages.every((m, i) => i === 0 || m.seq > welcome.messages[i - 1].seq));
    const asked = welcome.questions.find((q) => q.seq === question.seq);
    assert.equal(asked?.text, 'How long did the shoot take?');
    assert.equal(asked.votes, 5, 'the votes survived');
    assert.equal(victim.welcome.you.muted, true, 'the mute survived');
    assert.equal(participants[1].welcome.you.muted, false);
    assert.equal(participants[0].welcome.you.moderator, true);
    assert.deepEqual(participants.slice(0, PARTICIPANTS).map((p) => p.id), idsBefore, 'each participant keeps its id on the other node');

    // New messages: seq goes on after every seq given before the kill; everyone receives them in one order.
    victim.send({ type: 'say', text: 'muted after the fail-over' });
    await waitFor(() => chatTexts(victim).includes('muted after the fail-over'), { message: 'the muted echo' });
    for (const p of participants) if (p !== victim) p.send({ type: 'say', text: `${p.name} is back` });
    const viaStream = await stream.post({ type: 'say', text: 'back without WebSocket' });
    assert.equal(viaStream.status, 202, JSON.stringify(viaStream.body));
    const expected = participants.length;  // everyone's "is back", and the stream's
    const others = participants.filter((p) => p !== victim);
    await waitFor(() => others.every((p) => p.chat.length >= expected), { timeoutMs: 30_000, message: 'the new messages everywhere' });
    const order = others[0].chat.map((m) => `${m.seq}:${m.text}`);
    for (const p of others) {
      assert.deepEqual(p.chat.map((m) => `${m.seq}:${m.text}`), order, `${p.name}: every new message once, in one order`);
      assert.ok(!chatTexts(p).includes('muted after the fail-over'), `${p.name} never received the muted message`);
    }
    assert.ok(others[0].chat[0].seq > lastSeqBefore, `seq goes on after ${lastSeqBefore}: ${others[0].chat[0].seq}`);
    assert.ok(order.some((m) => m.endsWith(':back without WebSocket')), 'the POST reached the room on the other node');
    await waitFor(() => stream.received.filter((m) => m.type === 'message').length >= expected,
      { timeoutMs: 15_000, message: 'the new messages on the event stream' });
  });

  test('the premiere\'s attendance counts each participant once over both nodes', { timeout: 60_000 }, async () => {
    const distinct = PARTICIPANTS + LATE_COMERS + 1;  // and the participant without WebSocket
    // The room writers raise the stored figures each second: read until two reads a few seconds apart agree.
    let previous = null;
    const stored = await waitFor(async () => {
      const current = await psql(catalog.url, `SELECT peak_participants, total_participants FROM premieres WHERE id = ${premiere}`);
      const settled = current === previous && Number(current.split('|')[1]) >= distinct;
      previous = current;
      return settled ? current : null;
    }, { timeoutMs: 30_000, intervalMs: 2500, message: `the attendance of ${distinct} participants written` });
    assert.equal(stored, `${distinct}|${distinct}`,
      'peak: everyone at once on the node that took over; total: distinct participants, reconnects not counted again');
    const { status, body } = await api(organizerSession, '/api/stats');
    assert.equal(status, 200);
    const row = body.premieres?.find((p) => p.id === premiere);
    assert.deepEqual({ peak: row?.peak, total: row?.total }, { peak: distinct, total: distinct }, 'the organizers\' statistics');
    // The room's own count on the node that took over (sent at most once a second when it changes).
    const lastCount = (p) => p.received.filter((m) => m.type === 'count').pop()?.count ?? p.welcome.count;
    await waitFor(() => lastCount(participants[0]) === distinct, { timeoutMs: 10_000, message: `a count of ${distinct}` });
  });

  test('the killed node comes back: a newcomer the hash sends to it joins the room where everyone is', { timeout: 60_000 }, async () => {
    const socketRoute = '/api/rooms/{id}/socket';
    const returned = await holder.restart();  // the same port and name: the hash picks it first again
    nodes[nodes.indexOf(holder)] = returned;
    const everyone = participants.length + 1;  // and the participant without WebSocket
    const socketsOnOther = await roomRequests(other, socketRoute, '101');

    const newcomer = new Participant(participants.length, { name: 'After the return' });
    participants.push(newcomer);
    const welcome = await newcomer.join();
    assert.equal(welcome.count, everyone + 1, 'the newcomer is counted with everyone: one room');
    assert.ok(welcome.messages.some((m) => m.text === 'back without WebSocket'), 'with the history said since the fail-over');
    assert.equal(await roomRequests(other, socketRoute, '101'), socketsOnOther + 1, `node ${other.name} took the newcomer`);
    assert.equal(await roomRequests(returned, socketRoute, '101'), 0, `node ${returned.name} opened no room`);
    assert.ok(await roomRequests(returned, socketRoute, '503') >= 1, `node ${returned.name} passed the newcomer on (503 room_elsewhere)`);
    assert.equal(await psql(catalog.url, `SELECT node FROM room_holders WHERE premiere_id = ${premiere}`), other.name,
      'the room\'s holder in the catalog');

    // Messages both ways, and a POST of the participant without WebSocket, which the hash also sends to
    // the returned node first: everyone receives all three in one order, each with a seq of its own.
    const seqsSeen = participants[1].chat.map((m) => m.seq);
    newcomer.send({ type: 'say', text: 'said by the newcomer' });
    participants[1].send({ type: 'say', text: 'answered from the room' });
    const viaStream = await stream.post({ type: 'say', text: 'posted after the return' });
    assert.equal(viaStream.status, 202, JSON.stringify(viaStream.body));
    const said = ['said by the newcomer', 'answered from the room', 'posted after the return'];
    const inOrder = (p) => p.chat.filter((m) => said.includes(m.text)).map((m) => `${m.seq}:${m.text}`);
    await waitFor(() => participants.every((p) => inOrder(p).length === said.length), { timeoutMs: 15_000, message: 'the three messages everywhere' });
    for (const p of participants) assert.deepEqual(inOrder(p), inOrder(newcomer), `${p.name}: the same messages in the same order`);
    await waitFor(() => said.every((t) => stream.received.some((m) => m.type === 'message' && m.text === t)), { message: 'the three on the event stream' });
    const seqs = [...seqsSeen, ...participants[1].chat.slice(seqsSeen.length).map((m) => m.seq)];
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `no seq given twice: ${seqs}`);

    // The catalog has every one of them (a seq written twice would lose one to ON CONFLICT DO NOTHING).
    const quoted = said.map((t) => `'${t}'`).join(', ');
    await waitFor(async () => await psql(catalog.url, `SELECT count(*) FROM room_messages WHERE premiere_id = ${premiere} AND text IN (${quoted})`) === '3',
      { timeoutMs: 10_000, message: 'the three messages stored' });
    const lastCount = (p) => p.received.filter((m) => m.type === 'count').pop()?.count ?? p.welcome.count;
    await waitFor(() => lastCount(participants[1]) === everyone + 1, { timeoutMs: 10_000, message: `a count of ${everyone + 1} in the room` });
  });
});
