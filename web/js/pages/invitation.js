// An invitation link (/{lang}/invitation/{token}): who invites, for which role and until when, or why
// the link no longer works; then the form that creates the account, which signs the newcomer in and
// takes them to their page. The token stays in the path only (the access log hides it).
import { accountErrorText, MIN_PASSWORD } from '/js/accounts-text.js';
import { api, ApiError } from '/js/api.js';
import { formatDate, lang, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';

function tokenFromAddress() {
  const parts = location.pathname.split('/').filter(Boolean);
  return parts.length >= 3 && parts[parts.length - 2] === 'invitation' ? decodeURIComponent(parts[parts.length - 1]) : '';
}

function closedNotice(main, error) {
  const known = ['invitation_used', 'invitation_expired', 'invitation_revoked'].includes(error.code);
  const key = error.status === 404 ? 'accounts.invitation.not_found'
    : known ? `accounts.invitation.${error.code.replace('invitation_', '')}` : null;
  main.replaceChildren(
    el('h1', {}, t('accounts.invitation.title')),
    el('p', { class: 'notice', id: 'invitation-closed', 'data-reason': error.code }, key ? t(key) : accountErrorText(error)));
}

function field(id, label, input, hint) {
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return el('div', { class: 'field' }, el('label', { for: id }, label), input,
    hint ? el('p', { id: `${id}-hint`, class: 'muted' }, hint) : null);
}

function accountForm(token, invitation) {
  const status = el('p', { id: 'invitation-status', role: 'alert', class: 'error' });
  const email = el('input', {
    id: 'invitation-email', name: 'email', type: 'email', autocomplete: 'username', required: true,
    value: invitation.email || '', readonly: Boolean(invitation.email),
  });
  const name = el('input', { id: 'invitation-name', name: 'display_name', type: 'text', autocomplete: 'name', maxlength: 200 });
  const password = el('input', {
    id: 'invitation-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true,
    minlength: MIN_PASSWORD,
  });
  const again = el('input', {
    id: 'invitation-password-again', name: 'password_again', type: 'password', autocomplete: 'new-password', required: true,
  });
  const submit = el('button', { type: 'submit', class: 'primary' }, t('accounts.invitation.submit'));
  const form = el('form', { class: 'form-narrow card', id: 'invitation-form', novalidate: true },
    field('invitation-email', t('accounts.email'), email, invitation.email ? t('accounts.invitation.email_locked') : null),
    field('invitation-name', t('accounts.name'), name),
    field('invitation-password', t('accounts.password'), password, t('accounts.password_rules', { n: MIN_PASSWORD })),
    field('invitation-password-again', t('accounts.password_again'), again),
    submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    if (!email.value.trim()) return (status.textContent = t('accounts.error.invalid_email'), email.focus());
    if (password.value.length < MIN_PASSWORD) return (status.textContent = t('accounts.error.weak_password'), password.focus());
    if (password.value !== again.value) return (status.textContent = t('accounts.error.mismatch'), again.focus());
    submit.disabled = true;
    try {
      const session = await api(`/api/invitations/${encodeURIComponent(token)}/accept`, {
        method: 'POST', body: { email: email.value.trim(), display_name: name.value.trim(), password: password.value },
      });
      location.assign(`/${lang()}/${session.user.role === 'organizer' ? 'organizer' : 'curator'}`);
    } catch (e) {
      status.textContent = accountErrorText(e);
      password.value = '';
      again.value = '';
      (e.code === 'email_taken' || e.code === 'invalid_email' || e.code === 'invitation_email_mismatch' ? email : password).focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function render(main) {
  const token = tokenFromAddress();
  let invitation;
  try {
    invitation = await api(`/api/invitations/${encodeURIComponent(token)}`);
  } catch (e) {
    if (e instanceof ApiError) return closedNotice(main, e);
    throw e;
  }
  const role = t(`accounts.role.${invitation.role}`);
  const until = formatDate(invitation.expires_at, { dateStyle: 'long', timeStyle: 'short' });
  main.replaceChildren(
    el('h1', {}, t('accounts.invitation.title')),
    el('p', { id: 'invitation-summary' }, invitation.invited_by
      ? t('accounts.invitation.by', { name: invitation.invited_by, role })
      : t('accounts.invitation.anonymous', { role })),
    el('p', { id: 'invitation-until' }, t('accounts.invitation.until', { date: until })),
    accountForm(token, invitation));
  return null;
}

startPage({ page: 'invitation', title: 'accounts.invitation.title', render });
