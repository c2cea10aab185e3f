// Embedding the film on partners' sites (GET/PUT /api/films/{id}/embed): opt in, the allowed sites
// (origins, one per line), save, and the code to paste on a partner's page with a copy button. Only the
// listed sites may frame the player; plays there are counted with the site (docs/embed.md).
import { api } from '/js/api.js';
import { t } from '/js/i18n.js';
import { el } from '/js/layout.js';

// The form the server accepts (catalog/film_embeds normalise_site), checked first so the curator is
// told in their language which line is wrong; the server checks again and has the last word.
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?\/?$/i;

const linesOf = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/** The film's embed settings, loaded into the section once it is on the page. */
export function embedSection(film) {
  const id = (name) => `curator-embed-${name}`;
  const enabled = el('input', { type: 'checkbox', id: id('enabled') });
  const sites = el('textarea', {
    id: id('sites'), rows: 4, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': id('sites-hint'),
  });
  const status = el('p', { role: 'status', id: id('status') });
  const save = el('button', { type: 'button', class: 'primary', id: id('save') }, t('embed.save'));
  const snippet = el('textarea', { id: id('snippet'), rows: 3, readonly: true, spellcheck: 'false', 'aria-describedby': id('snippet-hint') });
  const copyStatus = el('p', { role: 'status', id: id('copy-status') });
  const copy = el('button', { type: 'button', class: 'button-secondary', id: id('copy') }, t('embed.copy'));
  const snippetHint = el('small', { id: id('snippet-hint'), class: 'muted' });

  function show(settings) {
    enabled.checked = Boolean(settings.enabled);
    sites.value = (settings.sites || []).join('\n');
    snippet.value = settings.snippet || '';
    snippetHint.textContent = settings.enabled ? t('embed.snippet_hint') : t('embed.snippet_off');
  }

  function fail(message) {
    status.className = 'error';
    status.textContent = t('embed.error', { message });
  }

  save.addEventListener('click', async () => {
    const list = linesOf(sites.value);
    const wrong = list.find((site) => !ORIGIN.test(site));
    if (wrong) {
      fail(t('embed.invalid_site', { site: wrong }));
      sites.focus();
      return;
    }
    if (list.length > 20) {
      fail(t('embed.too_many'));
      return;
    }
    save.disabled = true;
    try {
      show(await api(`/api/films/${film.id}/embed`, { method: 'PUT', body: { enabled: enabled.checked, sites: list } }));
      status.className = 'success';
      status.textContent = t('embed.saved');
    } catch (e) {
      fail(e.message);
    } finally {
      save.disabled = false;
    }
  });

  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(snippet.value);
      copyStatus.textContent = t('embed.copied');
    } catch {
      // No clipboard (an insecure origin, a refusal): the code is selected for the curator to copy.
      snippet.focus();
      snippet.select();
      copyStatus.textContent = t('embed.copy_by_hand');
    }
  });

  api(`/api/films/${film.id}/embed`).then(show).catch((e) => fail(e.message));

  return el('section', { class: 'card curator-section', id: id('section'), 'aria-labelledby': id('heading') },
    el('h3', { id: id('heading') }, t('embed.heading')),
    el('p', { class: 'muted' }, t('embed.intro')),
    film.published ? null : el('p', { class: 'notice' }, t('embed.unpublished')),
    el('div', { class: 'field checkbox-field' }, enabled, el('label', { for: id('enabled') }, t('embed.enabled'))),
    el('div', { class: 'field' },
      el('label', { for: id('sites') }, t('embed.sites')),
      sites,
      el('small', { id: id('sites-hint'), class: 'muted' }, t('embed.sites_hint'))),
    el('div', { class: 'curator-actions' }, save, status),
    el('div', { class: 'field' },
      el('label', { for: id('snippet') }, t('embed.snippet')),
      snippet,
      snippetHint),
    el('div', { class: 'curator-actions' }, copy, copyStatus));
}
