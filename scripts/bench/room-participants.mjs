// One load process of scripts/bench-room (forked by room-load.mjs, driven over its IPC channel): holds
// its share of the room's participants as `ws` clients and answers each command with one message.
//   {cmd:'join', url, first, count, addresses}  opens `count` participants (names p<first+i>), each
//     bound to addresses[i % addresses.length] when given; each says hello and waits for its welcome
//   {cmd:'run', start_us, end_us, senders:[{index, offset_ms, period_ms}]}  from start_us (the system's
//     monotonic clock, shared by every process) the listed participants say one chat message per period,
//     each carrying the run and its send time; every participant records the fan-out latency of each message sent in
//     the run (log buckets of ~3 %), the order of seqs and the deliveries inside [start_us, end_us]
//   {cmd:'stats'}  the counts so far;  {cmd:'leave'}  closes every participant (close frame)
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const clients = [];
// Microseconds on the system's monotonic clock (what process.hrtime reads in every process), without a
// BigInt per message: performance.now() reads the same clock from this process's origin.
const origin = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
const nowUs = () => origin + performance.now() * 1000;

// Latency histogram: exact below 64 µs, then 32 buckets per power of two.
const BUCKETS = 64 + 32 * 30;
function bucketOf(us) {
  if (us < 64) return Math.max(0, Math.floor(us));
  const v = Math.floor(us);
  const e = 31 - Math.clz32(v);
  return Math.min(BUCKETS - 1, 64 + (e - 6) * 32 + ((v >>> (e - 5)) & 31));
}

let run = null;
function freshRun(startUs, endUs) {
  return {
    startUs, endUs, tag: Buffer.from(`"text":"bench ${startUs} `), histogram: new Array(BUCKETS).fill(0), received: 0, inWindow: 0, outOfOrder: 0, gaps: 0,
    sent: 0, errors: {}, dropped: {}, timers: [], cpuBefore: process.cpuUsage(),
  };
}

// Reads the unsigned integer at `at` in a message's bytes.
function integerAt(data, at) {
  let n = 0;
  for (let c = data[at]; c >= 48 && c <= 57; c = data[++at]) n = n * 10 + (c - 48);
  return n;
}
const WELCOME = Buffer.from('"type":"welcome"');
const MESSAGE = Buffer.from('"type":"message"');
const ERROR = Buffer.from('"type":"error"');
const SEQ = Buffer.from('"seq":');

// Runs for every message every participant receives: scans the bytes, makes no string.
function onMessage(client, data) {
  // The welcome holds earlier messages: it is recognised first, once.
  if (client.welcomed && data.indexOf(WELCOME) >= 0) return client.welcomed();
  if (data.indexOf(MESSAGE) < 0) {
    if (run && data.indexOf(ERROR) >= 0) {
      const code = /"code":"([a-z_]+)"/.exec(data.toString())?.[1] ?? 'unknown';
      run.errors[code] = (run.errors[code] ?? 0) + 1;
    }
    return;
  }
  const now = nowUs();
  const seq = integerAt(data, data.indexOf(SEQ) + SEQ.length);
  if (client.lastSeq) {
    if (seq <= client.lastSeq) run && run.outOfOrder++;
    else if (seq > client.lastSeq + 1 && run) run.gaps += seq - client.lastSeq - 1;
  }
  client.lastSeq = Math.max(client.lastSeq, seq);
  if (!run) return;
  if (now >= run.startUs && now <= run.endUs) run.inWindow++;
  // Only this run's messages ("bench <run> <send time> …"), however early a timer fired.
  const textAt = data.indexOf(run.tag);
  if (textAt < 0) return;
  const sent = integerAt(data, textAt + run.tag.length);
  run.received++;
  run.histogram[bucketOf(now - sent)]++;
}

function open(url, index, localAddress) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30_000 });
    const client = { ws, index, lastSeq: 0, welcomed: null };
    const timer = setTimeout(() => done(false), 60_000);
    function done(ok) {
      clearTimeout(timer);
      client.welcomed = null;
      resolve(ok ? client : null);
    }
    client.welcomed = () => done(true);
    ws.on('open', () => ws.send(JSON.stringify({
      type: 'hello', participant: randomBytes(16).toString('hex'), name: `p${index}`,
    })));
    ws.on('message', (data) => onMessage(client, data));
    ws.on('error', () => done(false));
    ws.on('close', (code) => {
      client.closed = true;
      if (run) run.dropped[code] = (run.dropped[code] ?? 0) + 1;  // the server closed it mid-run
      done(false);
    });
  });
}

async function join({ url, first, count, addresses }) {
  const started = Date.now();
  let failed = 0;
  const batch = 50;  // handshakes in flight at once: the listen backlog is not what is measured
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => {
      const index = first + i + j;
      return open(url, index, addresses.length ? addresses[index % addresses.length] : undefined);
    }));
    for (const c of opened) c ? clients.push(c) : failed++;
  }
  return { joined: clients.length, failed, ms: Date.now() - started };
}

function startRun({ start_us: startUs, end_us: endUs, senders }) {
  run = freshRun(startUs, endUs);
  const byIndex = new Map(clients.map((c) => [c.index, c]));
  const current = run;
  for (const { index, offset_ms: offset, period_ms: period } of senders) {
    const client = byIndex.get(index);
    if (!client) continue;
    // The n-th message at start + offset + n periods; a late timer never makes two messages in a row.
    let n = 0;
    const say = () => {
      const sentAt = Math.round(nowUs());
      if (sentAt > endUs || client.closed) return;
      // The send time first, then ordinary chat text: a message of about 60 characters.
      client.ws.send(`{"type":"say","text":"bench ${startUs} ${sentAt} ${index}.${n} Quelle lumière sur ce plan-séquence !"}`);
      current.sent++;
      n = Math.max(n + 1, Math.ceil(((nowUs() - startUs) / 1000 - offset) / period));
      current.timers.push(setTimeout(say, Math.max(0, (startUs - nowUs()) / 1000 + offset + n * period)));
    };
    current.timers.push(setTimeout(say, Math.max(0, (startUs - nowUs()) / 1000 + offset)));
  }
  return { senders: senders.length };
}

function stats() {
  if (!run) return {};
  const { histogram, received, inWindow, outOfOrder, gaps, sent, errors, dropped } = run;
  const cpu = process.cpuUsage(run.cpuBefore);
  return {
    histogram, received, in_window: inWindow, out_of_order: outOfOrder, gaps, sent, errors, dropped,
    open: clients.filter((c) => !c.closed).length, cpu_s: (cpu.user + cpu.system) / 1e6,
  };
}

async function leave() {
  for (const t of run?.timers ?? []) clearTimeout(t);
  run = null;  // closes from here on are ours
  await Promise.all(clients.map((c) => new Promise((resolve) => {
    if (c.closed) return resolve();
    const timer = setTimeout(() => {
      c.ws.terminate();
      resolve();
    }, 5000);
    c.ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    c.ws.close(1000);
  })));
  const left = clients.length;
  clients.length = 0;
  return { left };
}

process.on('message', async (message) => {
  const handlers = { join, run: startRun, stats, leave };
  try {
    process.send({ ok: true, ...(await handlers[message.cmd](message)) });
  } catch (e) {
    process.send({ ok: false, error: e.stack });
  }
});
process.on('disconnect', () => process.exit(0));
