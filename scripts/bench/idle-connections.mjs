// Opens COUNT keep-alive connections to HOST:PORT, sends one request on each, then keeps them all
// idle for HOLD seconds and reports how many the server kept open. Usage:
//   node idle-connections.mjs PORT COUNT HOLD_SECONDS PATH [SERVER_PID]
// With SERVER_PID it also reports the server's resident memory while the connections are held.
import fs from 'node:fs';
import net from 'node:net';

const [port, count, holdSeconds, path] = [Number(process.argv[2]), Number(process.argv[3]),
  Number(process.argv[4]), process.argv[5] ?? '/healthz'];
const serverPid = process.argv[6];
const sockets = [];
let answered = 0;
let closed = 0;

function open() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    let first = true;
    socket.on('data', () => { if (first) { first = false; answered++; resolve(); } });
    socket.on('error', () => resolve());
    socket.on('close', () => { closed++; resolve(); });
    sockets.push(socket);
  });
}

// Open in batches so the listen backlog is not the thing being measured.
for (let i = 0; i < count; i += 500) {
  await Promise.all(Array.from({ length: Math.min(500, count - i) }, open));
}
console.error(`opened ${sockets.length}, answered ${answered}, holding ${holdSeconds}s`);
await new Promise((r) => setTimeout(r, holdSeconds * 1000));
const rssMb = serverPid
  ? Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${serverPid}/status`, 'utf8'))[1]) / 1024
  : null;
console.log(JSON.stringify({ opened: sockets.length, answered, still_open: sockets.length - closed,
  server_rss_mb: rssMb && Math.round(rssMb * 10) / 10 }));
for (const s of sockets) s.destroy();
