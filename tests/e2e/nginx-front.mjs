// The reference nginx (deploy/nginx/festival.conf, only its site-specific lines rewritten for loopback)
// in front of a test festival, with a certificate made here by openssl, and curl to reach it from any
// loopback address. Shared by the browser-free tests that go through the production edge.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { repoDir, waitFor } from './support.mjs';

const run = promisify(execFile);
export const nginxAvailable = spawnSync('nginx', ['-v']).status === 0;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

// deploy/nginx/festival.conf with each site-specific value replaced; every one must still be there,
// so a test cannot silently drift from the reference configuration.
function renderSite({ work, upstreamPort, httpPort, httpsPort }) {
  let site = readFileSync(path.join(repoDir, 'deploy/nginx/festival.conf'), 'utf8');
  const replacements = [
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${upstreamPort};`],
    ['listen 80; ', `listen 127.0.0.1:${httpPort}; `],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`],
    ['/etc/letsencrypt/live/festival.example.org/fullchain.pem', path.join(work, 'cert.pem')],
    ['/etc/letsencrypt/live/festival.example.org/privkey.pem', path.join(work, 'key.pem')],
    ['/etc/nginx/festival/media-token-secret.conf', path.join(work, 'media-token-secret.conf')],
    ['/var/cache/nginx/festival', path.join(work, 'cache')],
  ];
  for (const [from, to] of replacements) {
    assert.ok(site.includes(from), `deploy/nginx/festival.conf no longer has "${from}"`);
    site = site.replaceAll(from, to);
  }
  // Loopback only: no IPv6 wildcard listeners.
  return site.replace(/^\s*listen \[::\]:\d+.*$/gm, '');
}

// A self-signed certificate for 127.0.0.1 in `work` (cert.pem, key.pem).
export function makeCertificate(work) {
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem'),
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.equal(made.status, 0, made.stderr?.toString());
}

/**
 * One request with curl, its files in `work`: {status, version, headers (lower-cased names), body (Buffer)}.
 * Options: method, headers, data (a string or {file}), iface (the source address), http2, maxTime.
 */
let requestCount = 0;
export async function curlIn(work, url, { method = 'GET', headers = {}, data, iface, http2 = true, maxTime = 30 } = {}) {
  const n = ++requestCount;
  const headerFile = path.join(work, `h${n}`);
  const bodyFile = path.join(work, `b${n}`);
  const args = ['-sS', '-k', '--max-time', String(maxTime), '-X', method, '-D', headerFile, '-o', bodyFile,
    '-w', '%{http_code} %{http_version}'];
  if (http2) args.push('--http2');
  if (iface) args.push('--interface', iface);
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (data !== undefined) args.push('--data-binary', typeof data === 'string' ? data : `@${data.file}`);
  args.push(url);
  const { stdout } = await run('curl', args, { maxBuffer: 1 << 20 });
  const [status, version] = stdout.trim().split(' ');
  const head = {};
  for (const line of readFileSync(headerFile, 'utf8').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) head[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = readFileSync(bodyFile);
  rmSync(headerFile);
  rmSync(bodyFile);
  return { status: Number(status), version, headers: head, body };
}

/**
 * Starts nginx in `work` (which holds cert.pem and key.pem) in front of the festival on `upstreamPort`,
 * checking media tokens with `secret`, on the given ports (free ones by default). Resolves to
 * {httpPort, httpsPort, origin, stop()} once it answers.
 */
export async function startNginxFront({ work, upstreamPort, secret, httpPort, httpsPort }) {
  httpPort ??= await freePort();
  httpsPort ??= await freePort();
  const temp = path.join(work, 'nginx-temp');
  mkdirSync(temp, { recursive: true });
  mkdirSync(path.join(work, 'cache'), { recursive: true });
  writeFileSync(path.join(work, 'site.conf'), renderSite({ work, upstreamPort, httpPort, httpsPort }));
  // The snippet README.md tells a festival to write from its secret file.
  writeFileSync(path.join(work, 'media-token-secret.conf'), `set $media_token_secret "${secret}";\n`, { mode: 0o600 });
  writeFileSync(path.join(work, 'nginx.conf'), `
user root;
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log info;
events { worker_connections 256; }
http {
  access_log ${work}/nginx-access.log;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  include ${work}/site.conf;
}
`);
  const configFile = path.join(work, 'nginx.conf');
  const checked = spawnSync('nginx', ['-t', '-p', work, '-c', configFile]);
  assert.equal(checked.status, 0, `nginx -t: ${checked.stderr}`);
  const child = spawn('nginx', ['-p', work, '-c', configFile, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (d) => stderr.push(d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor(async () => (await curlIn(work, `http://127.0.0.1:${httpPort}/`, { http2: false })).status === 301,
    { timeoutMs: 15_000, message: `nginx listening (${stderr.join('')})` });
  return {
    httpPort,
    httpsPort,
    origin: `https://127.0.0.1:${httpsPort}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
