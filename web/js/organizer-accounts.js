// Accounts on the organizers' page: the festival's users (role, disabled or not, disable and enable
// with a confirmation; never oneself), invitations (a form whose link is shown once, with a copy
// button; the pending ones with revoke) and the audit log, newest first, "more" for older entries.
import { accountErrorText } from '/js/accounts-text.js';
import { api, getSession } from '/js/api.js';
import { lang, LANGUAGES, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

function localTime(iso) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function table(id, caption, headers, rows) {
  return el('div', { class: 'stats-table-wrap' }, el('table', { class: 'stats-table', id },
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, headers.map((key) => el('th', { scope: 'col' }, t(key))))),
    el('tbody', {}, rows)));
}

function userRow(user, me, context) {
  const who = user.display_name || user.email;
  let action = null;
  if (user.id !== me) {
    const next = user.disabled ? 'enable' : 'disable';
    action = el('button', {
      type: 'button',
      class: 'button-secondary',
      'data-action': next,
      onclick: async () => {
        if (!window.confirm(t(`accounts.users.${next}_confirm`, { name: who }))) return;
        try {
          await api(`/api/users/${user.id}/${next}`, { method: 'POST' });
          context.say(t(`accounts.users.${next}_done`, { name: who }));
          context.refresh();
        } catch (e) {
          context.say(accountErrorText(e));
        }
      },
    }, t(`accounts.users.${next}`), el('span', { class: 'visually-hidden' }, ` — ${who}`));
  }
  return el('tr', { 'data-user': user.id, 'data-email': user.email },
    el('th', { scope: 'row' }, who),
    el('td', {}, user.email),
    el('td', {}, t(`accounts.role.${user.role}`)),
    el('td', { 'data-state': user.disabled ? 'disabled' : 'enabled' },
      t(user.disabled ? 'accounts.users.disabled' : 'accounts.users.enabled')),
    el('td', {}, action));
}

function invitationRow(invitation, context) {
  return el('tr', { 'data-invitation': invitation.id },
    el('td', {}, t(`accounts.role.${invitation.role}`)),
    el('td', {}, invitation.email || t('accounts.invitations.any_email')),
    el('td', {}, invitation.note),
    el('td', {}, el('time', { datetime: invitation.expires_at }, localTime(invitation.expires_at))),
    el('td', {}, el('button', {
      type: 'button',
      class: 'button-secondary',
      onclick: async () => {
        if (!window.confirm(t('accounts.invitations.revoke_confirm'))) return;
        try {
          await api(`/api/invitations/${invitation.id}`, { method: 'DELETE' });
          context.say(t('accounts.invitations.revoked'));
          context.refresh();
        } catch (e) {
          context.say(accountErrorText(e));
        }
      },
    }, t('accounts.invitations.revoke'))));
}

function inviteForm(context) {
  const role = el('select', { id: 'invite-role', name: 'role' },
    ['curator', 'organizer'].map((r) => el('option', { value: r }, t(`accounts.role.${r}`))));
  const email = el('input', { id: 'invite-email', name: 'email', type: 'email', autocomplete: 'off' });
  const note = el('input', { id: 'invite-note', name: 'note', type: 'text', maxlength: 200 });
  const language = el('select', { id: 'invite-language', name: 'language' },
    LANGUAGES.map((l) => el('option', { value: l, selected: l === lang() }, t(`accounts.language.${l}`))));
  const hours = el('input', { id: 'invite-hours', name: 'hours', type: 'number', min: 1, max: 720, step: 1, value: 168, required: true });
  const shown = el('div', { id: 'invite-link', hidden: true });
  const form = el('form', {
    id: 'invite-form',
    'aria-labelledby': 'invite-title',
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const body = { role: role.value, language: language.value, hours: Number(hours.value) };
        if (email.value.trim()) body.email = email.value.trim();
        if (note.value.trim()) body.note = note.value.trim();
        const made = await api('/api/invitations', { method: 'POST', body });
        const url = new URL(made.url, location.origin).href;
        const field = el('input', { type: 'text', readonly: true, value: url, id: 'invite-url' });
        const copy = el('button', {
          type: 'button',
          class: 'button-secondary',
          id: 'invite-copy',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(url);
              context.say(t('accounts.invite.copied'));
            } catch {
              field.select();
              context.say(t('accounts.invite.copy_by_hand'));
            }
          },
        }, t('accounts.invite.copy'));
        shown.replaceChildren(el('div', { class: 'field' }, el('label', { for: 'invite-url' }, t('accounts.invite.link_once')), field),
          copy);
        shown.hidden = false;
        email.value = '';
        note.value = '';
        context.say(t('accounts.invite.made'));
        context.refresh({ keepLink: true });
        field.focus();
        field.select();
      } catch (e) {
        context.say(accountErrorText(e));
      }
    },
  },
  el('h3', { id: 'invite-title' }, t('accounts.invite.title')),
  el('p', { class: 'stats-range' },
    el('label', { for: 'invite-role' }, t('accounts.role'), role),
    el('label', { for: 'invite-email' }, t('accounts.invite.email'), email),
    el('label', { for: 'invite-note' }, t('accounts.invite.note'), note),
    el('label', { for: 'invite-language' }, t('accounts.invite.language'), language),
    el('label', { for: 'invite-hours' }, t('accounts.invite.hours'), hours)),
  el('button', { type: 'submit', class: 'button' }, t('accounts.invite.submit')),
  shown);
  return form;
}

function auditItem(entry) {
  const key = `accounts.audit.action.${entry.action}`;
  const action = t(key) === key ? entry.action : t(key);
  const details = entry.details && entry.details.email ? ` (${entry.details.email})` : '';
  return el('li', { 'data-action': entry.action },
    el('time', { datetime: entry.at }, localTime(entry.at)), ' — ',
    el('strong', {}, entry.actor.email || t('accounts.audit.unknown')), ' — ',
    action, ' ', el('span', { class: 'muted' }, `${entry.subject}${details}`));
}

function auditLog() {
  const list = el('ol', { id: 'audit-list', class: 'audit-list' });
  const more = el('button', { type: 'button', class: 'button-secondary', id: 'audit-more', hidden: true },
    t('accounts.audit.more'));
  let before = null;
  async function load() {
    const q = new URLSearchParams({ limit: '20' });
    if (before) q.set('before', before);
    const page = await api(`/api/audit?${q}`);
    list.append(...page.entries.map(auditItem));
    before = page.next_before;
    more.hidden = !before;
  }
  more.addEventListener('click', () => load());
  const box = el('div', { id: 'audit' }, el('h3', { id: 'audit-title' }, t('accounts.audit.title')), list, more);
  return { box, load };
}

/** The accounts card: users, invitations and the audit log, drawn again after each change. */
export function accountsSection() {
  const status = el('p', { id: 'accounts-status', role: 'status', 'aria-live': 'polite' });
  const users = el('div', { id: 'accounts-users' });
  const pending = el('div', { id: 'accounts-invitations' });
  const audit = el('div', { id: 'accounts-audit' });
  const context = { say: (text) => { status.textContent = text; }, refresh: () => refresh() };
  const form = inviteForm(context);
  const section = el('section', { class: 'card', id: 'accounts', 'aria-labelledby': 'accounts-title' },
    el('h2', { id: 'accounts-title' }, t('accounts.title')), status,
    el('h3', { id: 'accounts-users-title' }, t('accounts.users.title')), users,
    form,
    el('h3', { id: 'accounts-invitations-title' }, t('accounts.invitations.title')), pending,
    audit);
  async function refresh() {
    try {
      const [session, people, invitations] = await Promise.all([
        getSession(), api('/api/users'), api('/api/invitations')]);
      const me = session && session.user ? session.user.id : null;
      users.replaceChildren(table('accounts-users-table', t('accounts.users.title'),
        ['accounts.name', 'accounts.email', 'accounts.role', 'accounts.users.state', 'accounts.actions'],
        people.users.map((u) => userRow(u, me, context))));
      const open = invitations.invitations.filter((i) => i.state === 'pending');
      pending.replaceChildren(open.length
        ? table('accounts-invitations-table', t('accounts.invitations.title'),
          ['accounts.role', 'accounts.email', 'accounts.invite.note', 'accounts.invitations.expires', 'accounts.actions'],
          open.map((i) => invitationRow(i, context)))
        : el('p', { id: 'accounts-invitations-none' }, t('accounts.invitations.none')));
      const log = auditLog();
      audit.replaceChildren(log.box);
      await log.load();
    } catch (e) {
      context.say(accountErrorText(e));
    }
  }
  refresh();
  return section;
}
