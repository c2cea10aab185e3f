// Sign-in for curators and organizers; each goes to their own page afterwards.
import { ApiError, signIn } from '/js/api.js';
import { pagePath, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';
import { sameOriginPath } from '/js/sign-in-destination.js';

function destination(user) {
  // Only paths of this site: never send a signed-in user to another one.
  const wanted = sameOriginPath(new URLSearchParams(location.search).get('next'), location.origin);
  return wanted ?? pagePath(user.role === 'organizer' ? 'organizer' : 'curator');
}

function render(main) {
  const status = el('p', { id: 'login-status', role: 'alert', class: 'error' });
  const email = el('input', { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = el('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
  });
  const submit = el('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = el(
    'form',
    { class: 'form-narrow card', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'login-email' }, t('login.email')), email),
    el('div', { class: 'field' }, el('label', { for: 'login-password' }, t('login.password')), password),
    submit,
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    if (!email.value || !password.value) {
      status.textContent = t('login.wrong');
      (email.value ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      const session = await signIn(email.value.trim(), password.value);
      location.assign(destination(session.user));
    } catch (e) {
      status.textContent = e instanceof ApiError && e.status === 401 ? t('login.wrong') : t('login.error', { message: e.message });
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(el('h1', {}, t('login.heading')), el('p', {}, t('login.intro')), form);
}

startPage({ page: 'login', title: 'login.title', render });
