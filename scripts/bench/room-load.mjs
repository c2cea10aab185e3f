// Drives scripts/bench-room: PARTICIPANTS participants of one premiere room, spread over BENCH_WORKERS
// forked load processes (room-participants.mjs) so that the load is not one event loop, take turns on
// each server slice by slice (festival, ws, festival, ws …) at each chat rate. In a slice: every
// participant joins (hello → welcome), then for BENCH_SECONDS SENDERS of them say chat messages at RATE
// messages a second in the whole room (evenly spread: each sender every SENDERS/RATE s, within the
// room's 5 per 10 s), each carrying its send time; then the run drains (every accepted message reached
// every participant, or 10 s) and everyone leaves. Per slice: fan-out latency p50/p99 (send → each
// receipt), deliveries received inside the window per second, deliveries still missing after the drain,
// participants the server closed, seqs out of order or skipped, the server's peak RSS in the slice
// (VmHWM after a reset through clear_refs) and RSS after it, its CPU seconds during the run, the load
// processes' CPU seconds. Prints one JSON line per slice on stderr, then the table and the first
// server's ratios to the others on stdout; exits 1 when seqs were disordered or skipped.
// Usage: node scripts/bench/room-load.mjs NAME=WS_URL@PID NAME=WS_URL@PID …
//   env PARTICIPANTS (2000), BENCH_RATES (20,100 messages/s in the room), BENCH_SENDERS (senders per
//   rate, default RATE*2.5 capped by the participants: 0.4 message/s each), BENCH_SECONDS (10),
//   BENCH_SLICES (3 per server and rate), BENCH_WORKERS (3), BENCH_ADDRESSES (0: every participant from
//   127.0.0.1; N: spread over 127.0.0.2 … 127.0.0.N+1)
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const targets = process.argv.slice(2).map((arg) => {
  const m = /^([^=]+)=(.+)@(\d+)$/.exec(arg);
  if (!m) throw new Error(`target "${arg}" is not NAME=WS_URL@PID`);
  return { name: m[1], url: m[2], pid: Number(m[3]) };
});
if (targets.length === 0) {
  console.error('usage: node scripts/bench/room-load.mjs NAME=WS_URL@PID …');
  process.exit(2);
}
const participants = Number(process.env.PARTICIPANTS || 2000);
const rates = (process.env.BENCH_RATES || '20,100').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS || 10);
const slices = Number(process.env.BENCH_SLICES || 3);
const workerCount = Number(process.env.BENCH_WORKERS || 3);
const addressCount = Number(process.env.BENCH_ADDRESSES || 0);
const addresses = Array.from({ length: addressCount }, (_, i) => `127.0.0.${i + 2}`);
const sendersFor = (rate) => Math.min(participants, Number(process.env.BENCH_SENDERS) || Math.ceil(rate * 2.5));

// The load processes and one request/answer at a time on each.
const here = path.dirname(fileURLToPath(import.meta.url));
const workers = Array.from({ length: workerCount }, () => {
  const child = fork(path.join(here, 'room-participants.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  child.on('message', (m) => queue.shift()(m));
  child.on('exit', (code) => {
    if (code && !ending) {
      console.error(`bench-room: a load process exited (${code})`);
      process.exit(1);
    }
  });
  return {
    child,
    ask: (message) => new Promise((resolve, reject) => {
      queue.push((answer) => (answer.ok ? resolve(answer) : reject(new Error(answer.error))));
      child.send(message);
    }),
  };
});
let ending = false;
const all = (message) => Promise.all(workers.map((w, i) => w.ask(typeof message === 'function' ? message(i) : message)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function procStatus(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1]);
  return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
}
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime + stime, in clock ticks of 1/100 s
}

// Histogram buckets back to microseconds (the middle of a bucket), as room-participants.mjs made them.
function bucketValue(b) {
  if (b < 64) return b;
  const e = 6 + ((b - 64) >> 5);
  const sub = (b - 64) & 31;
  return (32 + sub + 0.5) * 2 ** (e - 5);
}
function percentile(histogram, total, p) {
  if (!total) return NaN;
  const rank = Math.ceil(total * p);
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b];
    if (seen >= rank) return bucketValue(b) / 1000;
  }
  return NaN;
}

async function slice(target, rate, round) {
  writeFileSync(`/proc/${target.pid}/clear_refs`, '5');  // VmHWM from here: this slice's peak
  const cpuBefore = cpuSeconds(target.pid);
  const share = Math.ceil(participants / workerCount);
  const joined = await all((i) => ({
    cmd: 'join', url: target.url, first: i * share, count: Math.max(0, Math.min(share, participants - i * share)), addresses,
  }));
  const inRoom = joined.reduce((n, j) => n + j.joined, 0);
  const joinMs = Math.max(...joined.map((j) => j.ms));
  await sleep(1500);  // the joins' count messages settle

  const senders = sendersFor(rate);
  const period = (senders / rate) * 1000;
  // Senders spread over the participants (so over the load processes) and evenly over a period.
  const plan = Array.from({ length: senders }, (_, k) => ({
    index: Math.floor((k * participants) / senders), offset_ms: (k * period) / senders, period_ms: period,
  }));
  const startUs = nowUs() + 500_000;
  const endUs = startUs + seconds * 1e6;
  const cpuRunBefore = cpuSeconds(target.pid);
  await all((i) => ({ cmd: 'run', start_us: startUs, end_us: endUs, senders: plan.filter((s) => Math.floor(s.index / share) === i) }));
  await sleep((endUs - nowUs()) / 1000 + 50);
  const cpuRun = cpuSeconds(target.pid) - cpuRunBefore;
  const loadCpu = (await all({ cmd: 'stats' })).map((s) => s.cpu_s);

  // Drain: until every accepted message reached everyone in the room, at most 10 s.
  let totals;
  const drainUntil = Date.now() + 10_000;
  for (;;) {
    const stats = await all({ cmd: 'stats' });
    totals = stats.reduce((t, s) => {
      t.received += s.received;
      t.in_window += s.in_window;
      t.out_of_order += s.out_of_order;
      t.gaps += s.gaps;
      t.sent += s.sent;
      for (const [code, n] of Object.entries(s.errors)) t.errors[code] = (t.errors[code] ?? 0) + n;
      for (const [code, n] of Object.entries(s.dropped)) t.dropped[code] = (t.dropped[code] ?? 0) + n;
      s.histogram.forEach((n, b) => { t.histogram[b] += n; });
      return t;
    }, { received: 0, in_window: 0, out_of_order: 0, gaps: 0, sent: 0, errors: {}, dropped: {}, histogram: new Array(stats[0].histogram.length).fill(0) });
    const refused = Object.values(totals.errors).reduce((a, b) => a + b, 0);
    totals.expected = (totals.sent - refused) * inRoom;
    if (totals.received >= totals.expected || Date.now() > drainUntil) break;
    await sleep(250);
  }
  const memory = procStatus(target.pid);
  await all({ cmd: 'leave' });
  const result = {
    server: target.name, rate, round, participants: inRoom, join_ms: joinMs, senders,
    sent: totals.sent, refused: totals.errors,
    p50_ms: percentile(totals.histogram, totals.received, 0.5), p99_ms: percentile(totals.histogram, totals.received, 0.99),
    delivered_per_s: totals.in_window / seconds, undelivered: Math.max(0, totals.expected - totals.received),
    dropped: totals.dropped,
    out_of_order: totals.out_of_order, gaps: totals.gaps,
    peak_rss_mb: memory.hwm, rss_mb: memory.rss, cpu_run_s: cpuRun, cpu_slice_s: cpuSeconds(target.pid) - cpuBefore,
    load_cpu_s: loadCpu, load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  console.error(JSON.stringify(result));
  await sleep(1000);  // the server notices the departures before the next slice
  return result;
}

const results = [];
try {
  for (const rate of rates)
    for (let round = 1; round <= slices; round++)
      for (const target of targets) results.push(await slice(target, rate, round));
} finally {
  ending = true;
  for (const w of workers) w.child.disconnect();
}

// The table: means over the slices per rate and server, then the ratios of the first server to the others.
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
console.log(`\n${participants} participants, ${seconds} s per slice, ${slices} slice(s) per server and rate, ${workerCount} load processes`);
console.log(`${'rate'.padEnd(10)}${'server'.padEnd(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'delivered/s'.padStart(13)}`
  + `${'late'.padStart(9)}${'dropped'.padStart(8)}${'disorder'.padStart(9)}${'peak RSS'.padStart(10)}${'RSS'.padStart(8)}${'CPU s'.padStart(8)}${'µs/dlv'.padStart(8)}${'join s'.padStart(8)}`);
for (const rate of rates) {
  const rows = targets.map((target) => {
    const mine = results.filter((r) => r.rate === rate && r.server === target.name);
    const row = {
      name: target.name, p50: mean(mine.map((r) => r.p50_ms)), p99: mean(mine.map((r) => r.p99_ms)),
      delivered: mean(mine.map((r) => r.delivered_per_s)), undelivered: mine.reduce((a, r) => a + r.undelivered, 0),
      dropped: mine.reduce((a, r) => a + Object.values(r.dropped).reduce((x, y) => x + y, 0), 0),
      disorder: mine.reduce((a, r) => a + r.out_of_order + r.gaps, 0), peak: Math.max(...mine.map((r) => r.peak_rss_mb)),
      rss: mean(mine.map((r) => r.rss_mb)), cpu: mean(mine.map((r) => r.cpu_run_s)), join: mean(mine.map((r) => r.join_ms)) / 1000,
      // CPU per delivery: what the server spent during the runs over what arrived in them.
      perDelivery: (mine.reduce((a, r) => a + r.cpu_run_s, 0) * 1e6) / mine.reduce((a, r) => a + r.delivered_per_s * seconds, 0),
      slicesP99: mine.map((r) => fmt(r.p99_ms)).join(' '), slicesDelivered: mine.map((r) => fmt(r.delivered_per_s, 0)).join(' '),
    };
    console.log(`${`${rate}/s`.padEnd(10)}${row.name.padEnd(10)}${fmt(row.p50, 2).padStart(9)}${fmt(row.p99, 2).padStart(9)}`
      + `${fmt(row.delivered, 0).padStart(13)}${String(row.undelivered).padStart(9)}${String(row.dropped).padStart(8)}`
      + `${String(row.disorder).padStart(9)}`
      + `${fmt(row.peak).padStart(10)}${fmt(row.rss).padStart(8)}${fmt(row.cpu, 2).padStart(8)}${fmt(row.perDelivery, 1).padStart(8)}${fmt(row.join, 2).padStart(8)}`
      + `   (slices p99: ${row.slicesP99}; delivered/s: ${row.slicesDelivered})`);
    return row;
  });
  for (const other of rows.slice(1)) {
    const [a, b] = [rows[0], other];
    console.log(`${''.padEnd(10)}${`${a.name}/${b.name}`.padEnd(20)} p50 ${fmt(a.p50 / b.p50, 2)}  p99 ${fmt(a.p99 / b.p99, 2)}`
      + `  delivered/s ${fmt(a.delivered / b.delivered, 3)}  peak RSS ${fmt(a.peak / b.peak, 2)}  CPU ${fmt(a.cpu / b.cpu, 2)}`);
  }
}
// Late deliveries (still missing after the drain) and participants the server dropped are figures of
// an overloaded run; a seq out of order or skipped at a participant still connected is a fault.
console.log('\nlate: deliveries still missing 10 s after the run; µs/dlv: server CPU during the runs per delivery;'
  + ' dropped: participants the server closed during it'
  + ' (1008: its queue for them overflowed); disorder: seqs out of order or skipped at a connected participant');
const broken = results.filter((r) => r.out_of_order || r.gaps || r.participants !== participants);
if (broken.length) {
  console.log(`\nFAULT: ${broken.length} slice(s) with disordered or skipped seqs, or participants who could not join`);
  process.exitCode = 1;
}
