// Subtitles per language and the poster of a film. Subtitles (SRT or WebVTT, UTF-8) are converted by
// the server; a film already online gets them at once (re-packaged, the video untouched), otherwise
// they go into the film's next transcode.
import { api } from '/js/api.js';
import { LANGUAGES, languageName, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

/** {node} with the subtitle and poster forms of `film`. */
export function assetsSection(film, { onChanged, onQueued }) {
  const lang = el('select', { id: 'curator-subtitles-lang' },
    ...LANGUAGES.map((l) => el('option', { value: l }, languageName(l))));
  const subtitleFile = el('input', { type: 'file', id: 'curator-subtitles-file', accept: '.srt,.vtt,text/vtt,application/x-subrip' });
  const subtitleButton = el('button', { type: 'button', class: 'primary', id: 'curator-subtitles-send' }, t('curator.subtitles_send'));
  const subtitleStatus = el('p', { role: 'status', id: 'curator-subtitles-status' });
  const existing = el('ul', { id: 'curator-subtitles-list' },
    ...film.subtitle_languages.map((l) => el('li', {}, languageName(l), ' ',
      el('button', {
        type: 'button',
        class: 'link-button',
        'data-remove-lang': l,
        onclick: async () => {
          try {
            await api(`/api/films/${film.id}/subtitles/${l}`, { method: 'DELETE' });
            onChanged();
          } catch (e) {
            subtitleStatus.className = 'error';
            subtitleStatus.textContent = e.message;
          }
        },
      }, t('curator.subtitles_remove')))));

  subtitleButton.addEventListener('click', async () => {
    const file = subtitleFile.files && subtitleFile.files[0];
    if (!file) {
      subtitleStatus.className = 'error';
      subtitleStatus.textContent = t('curator.upload_choose');
      return;
    }
    subtitleButton.disabled = true;
    try {
      const result = await api(`/api/films/${film.id}/subtitles/${lang.value}`, {
        method: 'PUT', body: file, headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
      subtitleStatus.className = 'success';
      subtitleStatus.textContent = t(result.repackaged ? 'curator.subtitles_repackaged' : 'curator.subtitles_stored',
        { count: result.cues, lang: languageName(result.lang) });
      if (result.job_id && !result.repackaged) onQueued(result.job_id);
    } catch (e) {
      subtitleStatus.className = 'error';
      subtitleStatus.textContent = e.message;
    } finally {
      subtitleButton.disabled = false;
    }
  });

  const posterFile = el('input', { type: 'file', id: 'curator-poster-file', accept: 'image/jpeg,image/png' });
  const posterButton = el('button', { type: 'button', class: 'primary', id: 'curator-poster-send' }, t('curator.poster_send'));
  const posterStatus = el('p', { role: 'status', id: 'curator-poster-status' });
  const preview = film.poster ? el('img', { src: film.poster, alt: t('curator.poster_alt'), class: 'curator-poster', id: 'curator-poster-image' }) : null;
  posterButton.addEventListener('click', async () => {
    const file = posterFile.files && posterFile.files[0];
    if (!file) {
      posterStatus.className = 'error';
      posterStatus.textContent = t('curator.upload_choose');
      return;
    }
    posterButton.disabled = true;
    try {
      await api(`/api/films/${film.id}/poster`, { method: 'PUT', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
      onChanged();
    } catch (e) {
      posterStatus.className = 'error';
      posterStatus.textContent = e.message;
      posterButton.disabled = false;
    }
  });

  const node = el('div', {},
    el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-subtitles-heading' },
      el('h3', { id: 'curator-subtitles-heading' }, t('curator.subtitles')),
      el('p', { class: 'muted' }, t('curator.subtitles_intro')),
      existing,
      el('div', { class: 'curator-grid' },
        el('div', { class: 'field' }, el('label', { for: 'curator-subtitles-lang' }, t('curator.subtitles_lang')), lang),
        el('div', { class: 'field' }, el('label', { for: 'curator-subtitles-file' }, t('curator.subtitles_file')), subtitleFile)),
      el('div', { class: 'curator-actions' }, subtitleButton, subtitleStatus)),
    el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-poster-heading' },
      el('h3', { id: 'curator-poster-heading' }, t('curator.poster')),
      el('p', { class: 'muted' }, t('curator.poster_intro')),
      preview,
      el('div', { class: 'field' }, el('label', { for: 'curator-poster-file' }, t('curator.poster_file')), posterFile),
      el('div', { class: 'curator-actions' }, posterButton, posterStatus)));
  return node;
}
