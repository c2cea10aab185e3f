// For the benchmarks' --nodes mode: a PostgreSQL cluster of its own (fsync on), COUNT `festival serve`
// nodes on one shared data folder with that catalog, and nginx balancing over them
// (tests/e2e/nodes.mjs: deploy/nginx/festival-nodes.conf rewritten for loopback). Prints one JSON line
// {"url": the balancer, "nodes": [{"url","pid"}], "catalog", "admin"} once all answer, then keeps them
// until SIGTERM/SIGINT or stdin closes, and stops everything. BENCH_BALANCER_CACHE=off: the balancer's
// media cache off, so that every request reaches a node.
// Usage: node scripts/bench/nodes.mjs DATA_DIR COUNT USER_EMAIL USER_ROLE USER_PASSWORD [postgresql|sqlite] -- SERVE_ARGS…
// (sqlite: the nodes share the data folder's SQLite file, one host only; no PostgreSQL is started)
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { addUser, startBalancer, startNode } from '../../tests/e2e/nodes.mjs';
import { startPostgresql } from '../../tests/e2e/postgresql.mjs';

const separator = process.argv.indexOf('--');
const [dataDir, count, email, role, password, engine = 'postgresql'] = process.argv.slice(2, separator);
const serveArgs = separator > 0 ? process.argv.slice(separator + 1) : [];
mkdirSync(dataDir, { recursive: true });

const catalog = engine === 'sqlite' ? { url: '', admin: '', stop: async () => {} }
  : await startPostgresql({ durable: true, maxConnections: 300 });
const nodes = [];
let balancer = null;
let ending = false;
async function end(code = 0) {
  if (ending) return;
  ending = true;
  await balancer?.stop();
  await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
  await catalog.stop();
  process.exit(code);
}
process.on('SIGTERM', () => end());
process.on('SIGINT', () => end());
process.stdin.on('end', () => end());
process.stdin.resume();

try {
  // The balancer checks media tokens with the nodes' secret: theirs if given, else one made here.
  const given = serveArgs.indexOf('--media-token-secret-file');
  const secretFile = given >= 0 ? serveArgs[given + 1] : path.join(path.dirname(path.resolve(dataDir)), 'media-token.secret');
  if (given < 0) {
    writeFileSync(secretFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    serveArgs.push('--media-token-secret-file', secretFile);
  }
  const secret = readFileSync(secretFile, 'utf8').trim();
  addUser({ dataDir, catalog: catalog.url, email, role, password });
  for (let i = 0; i < Number(count); i++)
    nodes.push(await startNode({ dataDir, catalog: catalog.url, name: `node-${i + 1}`, extraArgs: serveArgs }));
  balancer = await startBalancer({
    work: path.dirname(path.resolve(dataDir)), nodePorts: nodes.map((n) => n.port), workers: 2,
    secret, cache: process.env.BENCH_BALANCER_CACHE !== 'off',
  });
  process.stdout.write(`${JSON.stringify({
    url: `${balancer.url}/`, nodes: nodes.map((n) => ({ url: `${n.url}/`, pid: n.child.pid })), catalog: catalog.url, admin: catalog.admin,
  })}\n`);
} catch (e) {
  process.stderr.write(`${e.stack}\n${nodes.map((n) => n.log()).join('\n')}\n`);
  await end(1);
}
