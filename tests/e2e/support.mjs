// Shared by the browser tests: a real `festival serve --demo` on 127.0.0.1 and a free port (always
// stopped), Debian's chromium driven by playwright-core, screenshots, polling and an axe-core check.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const buildDir = path.resolve(process.env.FESTIVAL_BUILD_DIR || path.join(repoDir, 'build'));
export const artifactsDir = path.join(repoDir, 'tests/e2e/artifacts');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const demoAccounts = {
  curator: 'curator@demo.festival',
  organizer: 'organizer@demo.festival',
  password: 'festival-demo-2026',
};

/** Whether the transcoder executable was built (the demo's films get media only with it). */
export function hasTranscoder() {
  return existsSync(path.join(buildDir, 'festival-transcoder'));
}

const running = new Set();
// A test runner that dies still takes its servers with it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `festival serve --listen 127.0.0.1:0 --data-dir TMP --demo` and resolves once it prints its
 * URL. Returns {url, dataDir, process, log(), stop()}; stop() sends SIGTERM, then SIGKILL after 10 s,
 * and removes the data folder. extraArgs are appended (e.g. ['--transcoders', '0']).
 */
export async function startFestival({ demo = true, extraArgs = [], env = {}, startTimeoutMs = 60_000 } = {}) {
  const exe = path.join(buildDir, 'festival');
  if (!existsSync(exe)) throw new Error(`${exe} is missing: build the festival first (FESTIVAL_BUILD_DIR)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'festival-e2e-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--access-log', 'off'];
  if (demo) args.push('--demo');
  args.push(...extraArgs);
  const child = spawn(exe, args, { cwd: repoDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const stderr = [];
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk.toString());
    if (stderr.length > 2000) stderr.splice(0, 1000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`festival did not listen within ${startTimeoutMs} ms:\n${stderr.join('')}`)), startTimeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const event = JSON.parse(line);
        if (event.event !== 'listening') throw new Error(`unexpected first line: ${line}`);
        resolve(event.url.replace(/\/$/, ''));
      } catch (e) {
        reject(e);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`festival exited (${code ?? signal}) before listening:\n${stderr.join('')}`));
    });
  }).catch(async (e) => {
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });

  let stopped = null;
  const stop = () => {
    if (!stopped) {
      stopped = (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        running.delete(child);
        rmSync(dataDir, { recursive: true, force: true });
      })();
    }
    return stopped;
  };
  return { url, dataDir, process: child, log: () => stderr.join(''), stop };
}

/** Debian's chromium, headless, with the flags that keep it off the network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Polls fn until it returns a truthy value (returned) or timeoutMs passes (throws with message). */
export async function waitFor(fn, { timeoutMs = 30_000, intervalMs = 250, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// A demo film screening now whose media the transcoder has published. The demo transcodes six short
// clips on a 2-core machine; the first is ready in well under this bound.
export async function waitForPlayableDemoFilm(festival, { timeoutMs = 8 * 60_000 } = {}) {
  return waitFor(
    async () => {
      const { items } = await getJson(`${festival.url}/api/films?screening=now&per_page=100`);
      return items.find((f) => f.media && f.media.master) || null;
    },
    { timeoutMs, intervalMs: 2000, message: 'a demo film with published media' },
  );
}

/**
 * For a test file about playback: before its tests, a demo festival (with extraArgs) and Chromium and,
 * once the transcoder has published one, a film screening now (null without a transcoder); after
 * them, both stopped. Returns the live {festival, browser, film}.
 */
export function playbackFixture({ extraArgs = [] } = {}) {
  const fixture = { festival: null, browser: null, film: null };
  before(async () => {
    fixture.festival = await startFestival({ extraArgs });
    fixture.browser = await launchBrowser();
    if (hasTranscoder()) fixture.film = await waitForPlayableDemoFilm(fixture.festival);
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.festival?.stop();
  });
  return fixture;
}

/** GET url and parse JSON (throws on a non-2xx status). */
export async function getJson(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Signs in through the API from Node (no browser) and returns {cookie, csrf} for signed-in calls:
 * headers `Cookie: cookie` and `X-CSRF-Token: csrf`. Throws unless the festival answers 200.
 */
export async function signInApi(url, email, password = demoAccounts.password) {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in as ${email}: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie').split(';')[0];
  return { cookie, csrf: (await response.json()).csrf_token };
}

/** Signs a browser context in through the API: its pages then carry the session cookie. */
export async function signInContext(context, url, email, password = demoAccounts.password) {
  const response = await context.request.post(`${url}/api/session`, { data: { email, password } });
  if (response.status() !== 200) throw new Error(`sign-in as ${email}: HTTP ${response.status()} ${await response.text()}`);
}

/** Saves a full-page screenshot as tests/e2e/artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

let axeCache = null;
function axeSource() {
  axeCache ??= readFileSync(path.join(repoDir, 'node_modules/axe-core/axe.min.js'), 'utf8');
  return axeCache;
}

/**
 * Runs axe-core (from node_modules, injected into the page) and returns the serious and critical
 * violations as short strings ("rule: target …").
 */
export async function seriousAccessibilityViolations(page) {
  // Evaluated through the DevTools protocol: the pages' CSP rightly refuses an injected inline <script>.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource());
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

/**
 * Collects what a festival page must never do: load anything from another origin (blocking or not),
 * throw, or break the Content Security Policy. Returns the live list of problems as short strings.
 */
export function watchPageProblems(page, festivalUrl) {
  const problems = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${festivalUrl}/`) && !/^(data|blob):/.test(url)) problems.push(`third-party request: ${url}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return problems;
}

/** Collects page errors and failed console messages so a test can assert there were none. */
export function watchPageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
