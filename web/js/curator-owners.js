// Who curates a film. Curators change only the films assigned to them (the server refuses the rest
// with 403 not_your_film); organizers change every film and assign its curators here.
import { api } from '/js/api.js';
import { t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const names = (film) => (film.curators || []).map((c) => c.display_name || c.email).join(', ');

/** A film the signed-in curator may look at but not change: who to ask instead. */
export function readOnlyNotice(film) {
  return el('p', { class: 'card curator-section muted', id: 'curator-read-only', role: 'note' },
    film.curators && film.curators.length ? t('curator.not_yours', { names: names(film) }) : t('curator.not_yours_nobody'));
}

/** For organizers: the film's curators, by email, replaced in one save. */
export function curatorsSection(film, { onChanged }) {
  const input = el('input', {
    id: 'curator-owners-input',
    value: (film.curators || []).map((c) => c.email).join(', '),
    autocomplete: 'off',
    'aria-describedby': 'curator-owners-hint',
  });
  const status = el('p', { role: 'status', id: 'curator-owners-status' });
  const save = el('button', { type: 'button', class: 'primary', id: 'curator-owners-save' }, t('curator.curators_save'));
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const curators = input.value.split(',').map((s) => s.trim()).filter(Boolean);
      await api(`/api/films/${film.id}/curators`, { method: 'PUT', body: { curators } });
      status.className = 'success';
      status.textContent = t('curator.saved');
      onChanged();
    } catch (e) {
      status.className = 'error';
      status.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  });
  return el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-owners-heading' },
    el('h3', { id: 'curator-owners-heading' }, t('curator.curators')),
    el('div', { class: 'field' },
      el('label', { for: 'curator-owners-input' }, t('curator.curators_emails')),
      input,
      el('small', { id: 'curator-owners-hint', class: 'muted' }, t('curator.curators_hint'))),
    el('div', { class: 'curator-actions' }, save, status));
}
