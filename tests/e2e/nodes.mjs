// Several `festival serve` nodes on one shared data folder and one catalog (a PostgreSQL URL, or the
// folder's SQLite file when none is given: nodes on one host may share it), and Debian's nginx in front
// as the balancer, configured from deploy/nginx/festival-nodes.conf with only its site-specific lines
// rewritten for loopback. Shared by tests/e2e/nodes.test.mjs and the benchmarks' two-node mode.
// Nodes trust the balancer's X-Forwarded-For (127.0.0.1), so each viewer is counted by its own address.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { freePort, makeCertificate } from './nginx-front.mjs';
import { buildDir, repoDir, waitFor } from './support.mjs';

export const festivalExe = path.join(buildDir, 'festival');
export const transcoderExe = path.join(buildDir, 'festival-transcoder');
export const balancerReference = path.join(repoDir, 'deploy/nginx/festival-nodes.conf');

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function waitExit(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

/**
 * `festival serve` on dataDir with catalog (empty: the folder's SQLite file), listening on 127.0.0.1:port
 * (0: a free one) as node `name`. Resolves once it listens with {name, url, port, child, log(), kill(signal),
 * restart(), metrics()}: kill waits for the exit; restart starts the same node again on the same port;
 * metrics reads its /metrics when extraArgs has --metrics-listen.
 */
export async function startNode({ dataDir, catalog = '', name, port = 0, extraArgs = [], env = {} }) {
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--access-log', 'off',
    '--node-name', name, '--trusted-proxies', '127.0.0.1'];
  if (catalog) args.push('--catalog', catalog);
  args.push(...extraArgs);
  const child = spawn(festivalExe, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const stderr = [];
  child.stderr.on('data', (d) => {
    stderr.push(d.toString());
    if (stderr.length > 2000) stderr.splice(0, 1000);
  });
  child.once('exit', () => running.delete(child));
  let announceMetrics;
  const metricsUrl = new Promise((resolve) => { announceMetrics = resolve; });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line);
        if (event.event === 'listening') resolve(event.url.replace(/\/$/, ''));
        if (event.event === 'metrics_listening') announceMetrics(event.metrics_url);
      } catch {
        // not an event line
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`node ${name} exited (${code ?? signal}) before listening:\n${stderr.join('')}`)));
  });
  const node = {
    name,
    url,
    port: Number(new URL(url).port),
    child,
    log: () => stderr.join(''),
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal = 'SIGKILL') => {
      if (node.alive()) child.kill(signal);
      await waitExit(child);
    },
    restart: () => startNode({ dataDir, catalog, name, port: node.port, extraArgs, env }),
    // The node's own Prometheus text (started with --metrics-listen 127.0.0.1:0), never through the balancer.
    metrics: async () => (await fetch(await metricsUrl)).text(),
  };
  return node;
}

/** Adds an account through `festival user add` on the shared catalog. */
export function addUser({ dataDir, catalog = '', email, role, password }) {
  const args = ['user', 'add', '--email', email, '--role', role, '--data-dir', dataDir];
  if (catalog) args.push('--catalog', catalog);
  const added = spawnSync(festivalExe, args, { env: { ...process.env, FESTIVAL_PASSWORD: password } });
  assert.equal(added.status, 0, added.stderr?.toString());
}

// deploy/nginx/festival-nodes.conf for loopback: the node lines of each upstream become ours (with that
// upstream's own max_fails and fail_timeout), HTTPS becomes plain HTTP on `port` (the reference's TLS is
// the same as festival.conf's, which nginx.test.mjs covers), and every other site-specific value is
// replaced; each must still be there, so a test cannot silently drift from the reference.
function renderBalancer({ work, nodePorts, port, redirectPort, cache }) {
  let site = readFileSync(balancerReference, 'utf8');
  const nodeLine = /^(\s*)server\s+[0-9.]+:\d+(\s[^;]*)?;[^\n]*\n/gm;
  assert.ok(nodeLine.test(site), 'deploy/nginx/festival-nodes.conf has no node line ("server HOST:PORT …;")');
  site = site.replace(/^upstream\s+\w+\s*\{[^}]*\}/gm, (upstream) => {
    const found = upstream.match(nodeLine);
    if (!found) return upstream;
    const [, indent, parameters = ''] = /^(\s*)server\s+[0-9.]+:\d+(\s[^;]*)?;/.exec(found[0]);
    let first = true;
    return upstream.replace(nodeLine, () => {
      if (!first) return '';
      first = false;
      return nodePorts.map((p) => `${indent}server 127.0.0.1:${p}${parameters};\n`).join('');
    });
  });
  const replacements = [
    ['listen 80; ', `listen 127.0.0.1:${redirectPort}; `],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${port};`],
    ['/etc/letsencrypt/live/festival.example.org/fullchain.pem', path.join(work, 'cert.pem')],
    ['/etc/letsencrypt/live/festival.example.org/privkey.pem', path.join(work, 'key.pem')],
    ['/etc/nginx/festival/media-token-secret.conf', path.join(work, 'media-token-secret.conf')],
    ['/var/cache/nginx/festival', path.join(work, 'balancer-cache')],
  ];
  for (const [from, to] of replacements) {
    assert.ok(site.includes(from), `deploy/nginx/festival-nodes.conf no longer has "${from}"`);
    site = site.replaceAll(from, to);
  }
  if (!cache) site = site.replace(/proxy_cache\s+[a-z_]+;/g, 'proxy_cache off;');
  return site.replace(/^\s*listen \[::\]:\d+.*$/gm, '');
}

/**
 * nginx balancing over the nodes on nodePorts (deploy/nginx/festival-nodes.conf), plain HTTP on a free
 * 127.0.0.1 port, checking media tokens with `secret` (the nodes' --media-token-secret-file); its files
 * in work. cache false turns its media cache off (a benchmark of the nodes behind it). Resolves once it
 * answers /healthz through a node, to {url, port, stop()}.
 */
export async function startBalancer({ work, nodePorts, secret, workers = 1, cache = true }) {
  const port = await freePort();
  const temp = path.join(work, 'balancer-temp');
  mkdirSync(temp, { recursive: true });
  mkdirSync(path.join(work, 'balancer-cache'), { recursive: true });
  if (!existsSync(path.join(work, 'cert.pem'))) makeCertificate(work);
  writeFileSync(path.join(work, 'media-token-secret.conf'), `set $media_token_secret "${secret}";\n`, { mode: 0o600 });
  writeFileSync(path.join(work, 'balancer-site.conf'),
    renderBalancer({ work, nodePorts, port, redirectPort: await freePort(), cache }));
  writeFileSync(path.join(work, 'balancer.conf'), `
user root;
worker_processes ${workers};
pid ${work}/balancer.pid;
error_log ${work}/balancer-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  include ${work}/balancer-site.conf;
}
`);
  const configFile = path.join(work, 'balancer.conf');
  const checked = spawnSync('nginx', ['-t', '-p', work, '-c', configFile]);
  assert.equal(checked.status, 0, `nginx -t: ${checked.stderr}`);
  const child = spawn('nginx', ['-p', work, '-c', configFile, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).status === 200, { timeoutMs: 15_000, message: 'the balancer' });
  return {
    url,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await waitExit(child);
    },
  };
}

/**
 * A remote transcoder worker: `festival-transcoder work --server URL --token-file FILE --work-dir DIR
 * --worker-id LABEL` (no catalog, no data folder). Returns {child, log(), kill()}; kill ends its whole
 * process group, the sandboxed transcode child with it, as a host that dies.
 */
export function startRemoteWorker({ server, tokenFile, workDir, label, extraArgs = [] }) {
  mkdirSync(workDir, { recursive: true });
  const child = spawn(transcoderExe, ['work', '--server', server, '--token-file', tokenFile, '--work-dir', workDir,
    '--worker-id', label, ...extraArgs], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output = [];
  const keep = (d) => {
    output.push(d.toString());
    if (output.length > 2000) output.splice(0, 1000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    child,
    log: () => output.join(''),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      }
      await waitExit(child);
    },
  };
}
