// Where the login page sends a signed-in user: the rule on its own, then the page in chromium.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { sameOriginPath } from '../../web/js/sign-in-destination.js';
import { buildDir, launchBrowser, startFestival, waitFor } from './support.mjs';

const origin = 'http://127.0.0.1:8080';

test('paths of this site are followed after sign-in', () => {
  assert.equal(sameOriginPath('/curator', origin), '/curator');
  assert.equal(sameOriginPath('/films/retour?lang=fr#cast', origin), '/films/retour?lang=fr#cast');
  assert.equal(sameOriginPath('/organizer/../curator', origin), '/curator');
});

test('anything that could lead to another site is refused, however it is spelled', () => {
  for (const next of [
    null, '', 'curator', 'https://evil.example/', '//evil.example/', '/\\evil.example/', '\\/evil.example/',
    '/\t/evil.example/', '/\n/evil.example', ' //evil.example', 'javascript:alert(1)', '/%5Cevil.example/',
  ]) {
    const followed = sameOriginPath(next, origin);
    // '/%5C…' (still encoded once more) stays a harmless path on this site; the rest are refused.
    if (followed !== null) assert.equal(new URL(followed, origin).origin, origin, `followed ${JSON.stringify(next)}`);
    else assert.equal(followed, null);
  }
  assert.equal(sameOriginPath('/\\evil.example/', origin), null);
  assert.equal(sameOriginPath(new URLSearchParams('next=/%5Cevil.example/').get('next'), origin), null);
});

let festival;
let browser;
const email = 'curator@login.test';
const password = 'curator login password';

before(async () => {
  festival = await startFestival({ demo: false, extraArgs: ['--transcoders', '0'] });
  const added = spawnSync(path.join(buildDir, 'festival'), ['user', 'add', '--email', email, '--role', 'curator',
    '--data-dir', festival.dataDir], { input: `${password}\n` });
  assert.equal(added.status, 0, added.stderr?.toString());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

test('a crafted ?next= that leads to another site sends the curator to their own page instead', async () => {
  for (const next of ['/%5Cevil.example/', '//evil.example/', '/%09/evil.example/']) {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.route((url) => !url.href.startsWith(festival.url), (route) => route.abort());
    await page.goto(`${festival.url}/login?next=${next}`);
    await page.fill('#login-email', email);
    await page.fill('#login-password', password);
    await page.click('button[type=submit]');
    await waitFor(async () => !page.url().includes('/login'), { message: `leaving the login page (${next})` });
    assert.equal(page.url(), `${festival.url}/en/curator`, next);
    await context.close();
  }
});
