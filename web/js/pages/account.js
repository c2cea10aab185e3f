// A signed-in user's own account (/{lang}/account): who they are and a password change, which signs
// out every other session of the account and keeps this one.
import { accountErrorText, MIN_PASSWORD } from '/js/accounts-text.js';
import { api, getSession } from '/js/api.js';
import { lang, t } from '/js/i18n.js';
import { el, signInNotice, startPage } from '/js/layout.js';

function passwordField(id, label, autocomplete, hint) {
  const input = el('input', { id, type: 'password', autocomplete, required: true,
    'aria-describedby': hint ? `${id}-hint` : null });
  return { input, field: el('div', { class: 'field' }, el('label', { for: id }, label), input,
    hint ? el('p', { id: `${id}-hint`, class: 'muted' }, hint) : null) };
}

function passwordForm() {
  const current = passwordField('account-current', t('accounts.account.current'), 'current-password');
  const fresh = passwordField('account-new', t('accounts.account.new'), 'new-password',
    t('accounts.password_rules', { n: MIN_PASSWORD }));
  const again = passwordField('account-again', t('accounts.password_again'), 'new-password');
  const status = el('p', { id: 'account-status', role: 'status', 'aria-live': 'polite' });
  const say = (text, ok) => { status.textContent = text; status.className = ok ? 'success' : 'error'; };
  const submit = el('button', { type: 'submit', class: 'primary' }, t('accounts.account.submit'));
  const form = el('form', { class: 'form-narrow card', id: 'account-password-form', novalidate: true,
    'aria-labelledby': 'account-password-title' },
  el('h2', { id: 'account-password-title' }, t('accounts.account.password_title')),
  current.field, fresh.field, again.field, submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    say('', true);
    if (!current.input.value) return (say(t('accounts.error.wrong_password')), current.input.focus());
    if (fresh.input.value.length < MIN_PASSWORD) return (say(t('accounts.error.weak_password')), fresh.input.focus());
    if (fresh.input.value !== again.input.value) return (say(t('accounts.error.mismatch')), again.input.focus());
    submit.disabled = true;
    try {
      await api('/api/session/password', { method: 'PUT', body: { current: current.input.value, new: fresh.input.value } });
      form.reset();
      say(t('accounts.account.changed'), true);
    } catch (e) {
      say(accountErrorText(e));
      current.input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function render(main) {
  const session = await getSession({ refresh: true });
  if (!session || !session.user) {
    signInNotice(main, { title: 'accounts.account.title', message: 'accounts.account.signin', next: `/${lang()}/account` });
    return null;
  }
  const { user } = session;
  main.replaceChildren(
    el('h1', {}, t('accounts.account.title')),
    el('p', { id: 'account-who' }, t('accounts.account.who', {
      name: user.display_name || user.email, email: user.email, role: t(`accounts.role.${user.role}`),
    })),
    passwordForm());
  return null;
}

startPage({ page: 'account', title: 'accounts.account.title', render });
