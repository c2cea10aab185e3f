// A film's audio tracks (audio description, dubbed sound): the list with a remove button each, and a
// form that sends one sound file with tus (/vendor/tus.min.js, metadata `purpose audio`, language,
// role, name). The server checks the file is sound, stores it and rebuilds the film's audio renditions
// without encoding the video again; a track of the same kind and language is replaced.
import { api, getSession } from '/js/api.js';
import { languageName, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { tusErrorMessage } from '/js/curator-upload.js';

// Languages offered for a track: the festival's own and the ones films are most often dubbed in.
const TRACK_LANGUAGES = ['fr', 'en', 'es', 'de', 'it', 'pt', 'ar', 'wo'];
const ROLES = ['description', 'dub'];

function trackLabel(track) {
  const kind = t(`curator.audio_role_${track.role}`);
  const label = `${kind} · ${languageName(track.language)}`;
  return track.name ? `${label} · ${track.name}` : label;
}

// The upload's record once the server has checked the sound: done or failed.
async function settled(url) {
  let stored = await api(url);
  for (let i = 0; stored.status === 'receiving' && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 500));
    stored = await api(url);
  }
  return stored;
}

/** {node} with the audio tracks of `film`. onQueued(jobId) when a change queued a job. */
export function audioSection(film, { onQueued }) {
  const list = el('ul', { id: 'curator-audio-list' });
  const lang = el('select', { id: 'curator-audio-lang' },
    ...TRACK_LANGUAGES.map((l) => el('option', { value: l }, languageName(l))));
  const role = el('select', { id: 'curator-audio-role' },
    ...ROLES.map((r) => el('option', { value: r }, t(`curator.audio_role_${r}`))));
  const name = el('input', { type: 'text', id: 'curator-audio-name', maxlength: 100, autocomplete: 'off' });
  const file = el('input', { type: 'file', id: 'curator-audio-file', accept: 'audio/*,.m4a,.aac,.mp3,.wav,.flac,.ogg,.opus' });
  const send = el('button', { type: 'button', class: 'primary', id: 'curator-audio-send' }, t('curator.audio_send'));
  const bar = el('progress', { class: 'curator-progress', id: 'curator-audio-progress', max: 1, value: 0, hidden: true, 'aria-label': t('curator.audio_progress') });
  const status = el('p', { role: 'status', id: 'curator-audio-status' });

  function say(kind, text) {
    status.className = kind;
    status.textContent = text;
  }

  async function refresh() {
    try {
      const { items } = await api(`/api/films/${film.id}/audio`);
      if (!items.length) {
        list.replaceChildren(el('li', { class: 'muted' }, t('curator.audio_none')));
        return;
      }
      list.replaceChildren(...items.map((track) => el('li', { 'data-track': track.id }, trackLabel(track), ' ',
        el('button', {
          type: 'button',
          class: 'link-button',
          'data-remove-track': track.id,
          'aria-label': t('curator.audio_remove', { track: trackLabel(track) }),
          onclick: async () => {
            try {
              const result = await api(`/api/films/${film.id}/audio/${track.id}`, { method: 'DELETE' });
              say('success', t('curator.audio_removed'));
              if (result.job_id) onQueued(result.job_id);
            } catch (e) {
              say('error', e.message);
            }
            refresh();
          },
        }, t('curator.subtitles_remove')))));
    } catch (e) {
      say('error', e.message);
    }
  }

  send.addEventListener('click', async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) {
      say('error', t('curator.upload_choose'));
      file.focus();
      return;
    }
    const tus = window.tus;
    if (!tus || !tus.isSupported) {
      say('error', t('curator.upload_unsupported'));
      return;
    }
    const session = await getSession();
    send.disabled = true;
    bar.hidden = false;
    bar.max = chosen.size || 1;
    bar.value = 0;
    say('', t('curator.audio_sending', { name: chosen.name }));
    const metadata = { film: String(film.id), purpose: 'audio', language: lang.value, role: role.value, filename: chosen.name };
    if (name.value.trim()) metadata.name = name.value.trim();
    const upload = new tus.Upload(chosen, {
      endpoint: '/api/uploads',
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      metadata,
      headers: { 'X-CSRF-Token': session ? session.csrf_token : '' },
      storeFingerprintForResuming: false,
      onProgress: (sent, total) => {
        bar.max = total || 1;
        bar.value = sent;
      },
      onSuccess: async () => {
        say('', t('curator.audio_checking'));
        try {
          const stored = await settled(upload.url);
          if (stored.status === 'done') {
            say('success', t('curator.audio_added'));
            file.value = '';
            name.value = '';
            if (stored.job_id) onQueued(stored.job_id);
          } else {
            say('error', t('curator.audio_refused', { reason: stored.error || stored.status }));
          }
        } catch (e) {
          say('error', e.message);
        }
        send.disabled = false;
        bar.hidden = true;
        refresh();
      },
      onError: (error) => {
        say('error', t('curator.audio_refused', { reason: tusErrorMessage(error) }));
        send.disabled = false;
        bar.hidden = true;
      },
    });
    upload.start();
  });

  refresh();
  return el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-audio-heading' },
    el('h3', { id: 'curator-audio-heading' }, t('curator.audio')),
    el('p', { class: 'muted' }, t('curator.audio_intro')),
    list,
    el('div', { class: 'curator-grid' },
      el('div', { class: 'field' }, el('label', { for: 'curator-audio-role' }, t('curator.audio_role')), role),
      el('div', { class: 'field' }, el('label', { for: 'curator-audio-lang' }, t('curator.audio_lang')), lang),
      el('div', { class: 'field' }, el('label', { for: 'curator-audio-name' }, t('curator.audio_name')), name),
      el('div', { class: 'field' }, el('label', { for: 'curator-audio-file' }, t('curator.audio_file')), file)),
    el('div', { class: 'curator-actions' }, send, status),
    bar);
}
