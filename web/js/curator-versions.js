// A new master's version waiting for the curator: a preview (the curators' /preview address, never
// seen by viewers) and "Publish this version", which makes it the one viewers get.
import { api } from '/js/api.js';
import { t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { createPlayer } from '/js/player.js';

/** {node, stop()} for `film`, or null when no version waits; onPublished(film) after publication. */
export function pendingSection(film, { onPublished } = {}) {
  const pending = film.pending_media;
  if (!pending) return null;
  const stage = el('div', { id: 'curator-pending-player' });
  const message = el('p', { role: 'status', id: 'curator-pending-status' });
  let player = null;
  const preview = el('button', { type: 'button', class: 'button-secondary', id: 'curator-pending-preview' }, t('curator.pending_preview'));
  preview.addEventListener('click', () => {
    if (player) return;
    player = createPlayer(stage, { filmKey: `preview-${film.id}-${pending.version}`, src: pending.preview, title: film.original_title, report: false });
  });
  const publish = el('button', { type: 'button', class: 'primary', id: 'curator-pending-publish' }, t('curator.pending_publish'));
  publish.addEventListener('click', async () => {
    publish.disabled = true;
    try {
      const updated = await api(pending.publish, { method: 'POST' });
      message.className = '';
      message.textContent = t('curator.pending_published', { version: pending.version });
      if (onPublished) onPublished(updated);
    } catch (e) {
      publish.disabled = false;
      message.className = 'error';
      message.textContent = e.message;
    }
  });
  const node = el('section', { class: 'curator-pending', 'aria-labelledby': 'curator-pending-heading' },
    el('h3', { id: 'curator-pending-heading' }, t('curator.pending_heading')),
    el('p', {}, t('curator.pending_intro', { version: pending.version, current: film.media ? film.media.version : '—' })),
    el('p', {}, preview, ' ', publish),
    stage,
    message);
  return {
    node,
    stop() {
      if (player) player.destroy();
      player = null;
    },
  };
}
