// Accounts from the web in Chromium: an organizer invites a curator from the organizers' page, the
// invitee opens the link in a fresh browser, creates the account and lands on the curator page; the
// link then says it was used; the organizer disables the curator, whose open page is refused at its
// next call and who cannot sign in; enabled again, the curator changes their password on the account
// page and signs in with the new one; the audit log on the organizers' page lists all of it. The
// invitation page, the account page and the accounts card pass axe-core in French, English and
// Spanish, on a phone and a desktop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  demoAccounts, launchBrowser, repoDir, screenshot, signInApi, signInContext, startFestival, watchPageErrors,
} from './support.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const LOCALES = { fr: 'fr-FR', en: 'en-GB', es: 'es-ES' };
const curatorEmail = 'new.curator@accounts.test';
const firstPassword = 'first curator password';
const secondPassword = 'second curator password';

let festival;
let browser;
before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await festival?.stop();
});

const axeSource = readFileSync(path.join(repoDir, 'node_modules/axe-core/axe.min.js'), 'utf8');
// Serious and critical violations within `selector` (the whole page when it is 'html').
async function violations(page, selector = 'html') {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const results = await page.evaluate((include) => window.axe.run({ include: [include] }, { resultTypes: ['violations'] }),
    selector);
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

async function organizerPage({ lang = 'en', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport, locale: LOCALES[lang] });
  await signInContext(context, festival.url, demoAccounts.organizer);
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${festival.url}/${lang}/organizer`);
  await page.waitForSelector('#accounts-users-table tbody tr');
  await page.waitForSelector('#audit-list', { state: 'attached' });
  return { context, page, errors };
}

async function apiStatus(method, urlPath, body, headers = {}) {
  const response = await fetch(`${festival.url}${urlPath}`, {
    method, headers: { 'Content-Type': 'application/json', ...headers }, body: body && JSON.stringify(body),
  });
  return response.status;
}

test('an invited curator signs up once, is disabled, changes password, and the audit log shows it', { timeout: 180_000 }, async () => {
  const organizer = await organizerPage();
  const { page } = organizer;
  await page.selectOption('#invite-role', 'curator');
  await page.fill('#invite-email', curatorEmail);
  await page.fill('#invite-note', 'documentary section');
  await page.selectOption('#invite-language', 'en');
  await page.fill('#invite-hours', '24');
  await page.click('#invite-form button[type=submit]');
  await page.waitForSelector('#invite-url');
  const link = await page.inputValue('#invite-url');
  assert.match(link, new RegExp(`^${festival.url}/en/invitation/[0-9a-f]{64}$`));
  await page.waitForSelector('#accounts-invitations-table tbody tr');
  assert.match(await page.textContent('#accounts-invitations-table tbody tr'), /documentary section/);
  assert.equal((await page.content()).split(link.split('/').pop()).length, 2, 'the token appears once: in the link field');
  await screenshot(page, 'accounts-organizer');

  // The invitee, in a browser that has never seen the festival, on a phone.
  const invitee = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const signUp = await invitee.newPage();
  const inviteeErrors = watchPageErrors(signUp);
  await signUp.goto(link);
  await signUp.waitForSelector('#invitation-form');
  assert.match(await signUp.textContent('#invitation-summary'), /invites you to join the festival as curator/);
  assert.equal(await signUp.inputValue('#invitation-email'), curatorEmail);
  assert.equal(await signUp.getAttribute('#invitation-email', 'readonly'), '');
  await signUp.fill('#invitation-name', 'Nadia Curator');
  await signUp.fill('#invitation-password', firstPassword);
  await signUp.fill('#invitation-password-again', 'not the same password');
  await signUp.click('#invitation-form button[type=submit]');
  await signUp.waitForFunction(() => /differ/.test(document.querySelector('#invitation-status').textContent));
  await signUp.fill('#invitation-password', firstPassword);
  await signUp.fill('#invitation-password-again', firstPassword);
  await signUp.click('#invitation-form button[type=submit]');
  await signUp.waitForURL(`${festival.url}/en/curator`);
  await signUp.waitForSelector('main:not([aria-busy])');
  assert.equal(await signUp.evaluate(async () => (await (await fetch('/api/session')).json()).user.email), curatorEmail);
  assert.deepEqual(inviteeErrors.filter((e) => !/status of 401/.test(e)), [], 'only the signed-out session check');

  // The same link again, anywhere: already used.
  const again = await browser.newContext({ locale: 'en-GB' });
  const reopened = await again.newPage();
  await reopened.goto(link);
  await reopened.waitForSelector('#invitation-closed');
  assert.equal(await reopened.getAttribute('#invitation-closed', 'data-reason'), 'invitation_used');
  assert.match(await reopened.textContent('#invitation-closed'), /already been used/);
  assert.deepEqual(await violations(reopened), []);
  await again.close();

  // The organizer disables the curator: the curator's open page is refused at its next call.
  await page.reload();
  await page.waitForSelector(`#accounts-users-table tr[data-email="${curatorEmail}"]`);
  const row = `#accounts-users-table tr[data-email="${curatorEmail}"]`;
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(`${row} button[data-action=disable]`);
  await page.waitForSelector(`${row} td[data-state=disabled]`);
  assert.equal(await signUp.evaluate(async () => (await fetch('/api/session')).status), 401);
  assert.equal(await signUp.evaluate(async () => (await fetch('/api/films/any/jobs')).status), 401, 'a curator route');
  assert.equal(await apiStatus('POST', '/api/session', { email: curatorEmail, password: firstPassword }), 401);
  await invitee.close();

  // Enabled again, the curator changes the password on the account page.
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(`${row} button[data-action=enable]`);
  await page.waitForSelector(`${row} td[data-state=enabled]`);
  const curator = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  await signInContext(curator, festival.url, curatorEmail, firstPassword);
  const elsewhere = await signInApi(festival.url, curatorEmail, firstPassword);
  const account = await curator.newPage();
  const accountErrors = watchPageErrors(account);
  await account.goto(`${festival.url}/en/account`);
  await account.waitForSelector('#account-password-form');
  assert.match(await account.textContent('#account-who'), /Nadia Curator \(new\.curator@accounts\.test\), curator/);
  assert.equal(await account.locator('nav a[aria-current=page]').textContent(), 'My account');
  await account.fill('#account-current', 'not my password');
  await account.fill('#account-new', secondPassword);
  await account.fill('#account-again', secondPassword);
  await account.click('#account-password-form button[type=submit]');
  await account.waitForFunction(() => /not right/.test(document.querySelector('#account-status').textContent));
  await account.fill('#account-current', firstPassword);
  await account.fill('#account-new', secondPassword);
  await account.fill('#account-again', secondPassword);
  await account.click('#account-password-form button[type=submit]');
  await account.waitForFunction(() => /Password changed/.test(document.querySelector('#account-status').textContent));
  assert.equal(await account.evaluate(async () => (await fetch('/api/session')).status), 200, 'this session stays');
  assert.equal(await apiStatus('GET', '/api/session', undefined, { Cookie: elsewhere.cookie }), 401, 'the other one ends');
  assert.equal(await apiStatus('POST', '/api/session', { email: curatorEmail, password: firstPassword }), 401);
  assert.equal(await apiStatus('POST', '/api/session', { email: curatorEmail, password: secondPassword }), 200);
  assert.deepEqual(accountErrors.filter((e) => !/status of 403/.test(e)), []);
  await curator.close();

  // The audit log, newest first, names each of these.
  await page.reload();
  await page.waitForSelector('#audit-list li');
  const actions = await page.$$eval('#audit-list li', (items) => items.map((li) => li.dataset.action));
  assert.deepEqual(actions.slice(0, 5),
    ['password.change', 'account.enable', 'account.disable', 'invitation.accept', 'invitation.create']);
  const items = await page.$$eval('#audit-list li', (list) => list.map((li) => li.textContent));
  assert.match(items[0], new RegExp(curatorEmail.replace(/\./g, '\\.')));
  assert.match(items[1], /organizer@demo\.festival/);
  assert.match(items[4], /created an invitation/);
  assert.doesNotMatch(items.join('\n'), /[0-9a-f]{64}/);
  assert.deepEqual(organizer.errors, []);
  await organizer.context.close();
});

test('the invitation page, the account page and the accounts card pass axe-core in three languages, phone and desktop', { timeout: 240_000 }, async () => {
  const organizer = await signInApi(festival.url, demoAccounts.organizer);
  const response = await fetch(`${festival.url}/api/invitations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf },
    body: JSON.stringify({ role: 'organizer', note: 'axe' }),
  });
  assert.equal(response.status, 201);
  const { token } = await response.json();
  const headings = { fr: 'Comptes', en: 'Accounts', es: 'Cuentas' };
  for (const lang of ['fr', 'en', 'es']) {
    for (const viewport of [PHONE, DESKTOP]) {
      const where = `${lang} ${viewport.width}px`;
      const visitor = await browser.newContext({ viewport, locale: LOCALES[lang] });
      const page = await visitor.newPage();
      const errors = watchPageErrors(page);
      await page.goto(`${festival.url}/${lang}/invitation/${token}`);
      await page.waitForSelector('#invitation-form');
      assert.deepEqual(await violations(page), [], `invitation ${where}`);
      await page.goto(`${festival.url}/${lang}/account`);
      await page.waitForSelector('main:not([aria-busy]) .notice');
      assert.deepEqual(await violations(page), [], `account, signed out, ${where}`);
      assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), [], where);
      await visitor.close();

      const staff = await organizerPage({ lang, viewport });
      assert.equal(await staff.page.textContent('#accounts-title'), headings[lang]);
      assert.deepEqual(await violations(staff.page, '#accounts'), [], `accounts card ${where}`);
      await staff.page.goto(`${festival.url}/${lang}/account`);
      await staff.page.waitForSelector('#account-password-form');
      assert.deepEqual(await violations(staff.page), [], `account ${where}`);
      assert.deepEqual(staff.errors, [], where);
      await staff.context.close();
    }
  }
});
