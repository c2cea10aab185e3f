// The peer of scripts/bench-room: a premiere room written the common way, one Node process with the npm
// `ws` library, speaking the subset of the festival's room protocol the load uses (docs/premieres.md):
// hello → welcome (the last 200 chat messages, the count), say → a message with the next seq broadcast
// to everyone (the sender too) in order, count at most once a second when it changed, clock every 5 s,
// the same checks (name 1–40, text 1–500 characters without control characters, 5 messages per 10 s per
// participant) and ws's documented heartbeat (ping every 10 s, drop a client silent for 20 s).
// It is given the same help the festival's core has: a broadcast serialises its JSON once and hands
// the same Buffer to every client (ws frames it per connection), permessage-deflate off (ws's default).
// Prints {"event":"listening","url","pid"} on stdout; runs until SIGTERM/SIGINT.
// Usage: node scripts/bench/room-peer.mjs [PORT]
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';

const HISTORY = 200;
const RATE_COUNT = 5;
const RATE_WINDOW_MS = 10_000;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0), maxPayload: 4096 });
const participants = new Set();  // sockets that said hello
const history = [];               // the last HISTORY chat messages, oldest first
let seq = 0;
let count = 0;
let countSent = 0;

function broadcast(object) {
  const data = Buffer.from(JSON.stringify(object));
  for (const ws of participants) ws.send(data, { binary: false });
}

function error(ws, code, message, extra = {}) {
  ws.send(JSON.stringify({ type: 'error', code, message, ...extra }));
}

function validText(ws, text, max) {
  if (typeof text !== 'string') return error(ws, 'invalid_message', 'text must be a string'), false;
  if ([...text].length > max) return error(ws, 'too_long', `longer than ${max} characters`), false;
  if (CONTROL.test(text)) return error(ws, 'invalid_message', 'control characters'), false;
  if (!text.trim()) return error(ws, 'empty', 'empty'), false;
  return true;
}

function hello(ws, m) {
  if (typeof m.participant !== 'string' || !/^[0-9a-f]{32}$/.test(m.participant))
    return error(ws, 'invalid_message', 'participant must be 32 hex digits');
  if (m.name !== undefined && !validText(ws, m.name, 40)) return;
  ws.me = {
    id: createHash('blake2b512').update(m.participant).digest('hex').slice(0, 16),
    name: m.name ?? '',
    said: [],
  };
  participants.add(ws);
  count = participants.size;
  ws.send(JSON.stringify({
    type: 'welcome', you: { id: ws.me.id, name: ws.me.name, moderator: false, muted: false },
    premiere: { id: 1, phase: 'scheduled' }, now: Date.now(), count, slow_seconds: 0, messages: history, questions: [],
  }));
}

function say(ws, m) {
  if (!ws.me.name) return error(ws, 'name_required', 'choose a name first');
  if (!validText(ws, m.text, 500)) return;
  const now = Date.now();
  const said = ws.me.said;
  while (said.length && said[0] <= now - RATE_WINDOW_MS) said.shift();
  if (said.length >= RATE_COUNT)
    return error(ws, 'rate_limited', 'too many messages', { retry_after: Math.ceil((said[0] + RATE_WINDOW_MS - now) / 1000) });
  said.push(now);
  const message = { type: 'message', seq: ++seq, from: { id: ws.me.id, name: ws.me.name }, text: m.text, at: now };
  history.push(message);
  if (history.length > HISTORY) history.shift();
  broadcast(message);
}

wss.on('connection', (ws) => {
  ws.isAlive = true;
  ws.on('pong', () => { ws.isAlive = true; });
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'text only');
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return error(ws, 'invalid_message', 'not JSON');
    }
    if (!ws.me) return m.type === 'hello' ? hello(ws, m) : error(ws, 'hello_first', 'say hello first');
    if (m.type === 'say') return say(ws, m);
    if (m.type === 'name') return validText(ws, m.name, 40) && (ws.me.name = m.name);
    return error(ws, 'invalid_message', `unknown type ${m.type}`);
  });
  ws.on('close', () => {
    if (participants.delete(ws)) count = participants.size;
  });
});

setInterval(() => {
  for (const ws of wss.clients) {
    if (ws.isAlive === false) {
      ws.terminate();
      continue;
    }
    ws.isAlive = false;
    ws.ping();
  }
}, 10_000);
setInterval(() => {
  if (count !== countSent) broadcast({ type: 'count', count: (countSent = count) });
}, 1000);
setInterval(() => broadcast({ type: 'clock', now: Date.now(), phase: 'scheduled' }), 5000);

wss.on('listening', () => {
  const { port } = wss.address();
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `ws://127.0.0.1:${port}/`, pid: process.pid })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
