// Uploading a film's master with tus-js-client (/vendor/tus.min.js): resumable, with bytes, speed and
// time left. The upload's address is kept in localStorage under a fingerprint of the film and the file,
// so after a reload (or a lost connection) choosing the same file resumes where the server stopped.
// An upload keeps running when the page redraws (language switch, another film selected).
import { api, getSession } from '/js/api.js';
import { formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const tus = window.tus;
const active = new Map();  // film id → {upload, file, sent, total, samples, state, message, listeners}

function megabytes(bytes) {
  return formatNumber(bytes / 1e6, { maximumFractionDigits: bytes < 1e7 ? 1 : 0 });
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return t('curator.time_hm', { h, m });
  if (m > 0) return t('curator.time_ms', { m, s: s % 60 });
  return t('curator.time_s', { s });
}

// Speed over the last ten seconds of progress events.
function speedOf(entry) {
  const samples = entry.samples;
  if (samples.length < 2) return 0;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.at - first.at) / 1000;
  return seconds > 0 ? (last.sent - first.sent) / seconds : 0;
}

/** What a failed tus request says: the server's error message, else its status, else the client's. */
export function tusErrorMessage(error) {
  const response = error.originalResponse;
  if (!response) return error.message;
  try {
    return JSON.parse(response.getBody()).error.message;
  } catch {
    return `HTTP ${response.getStatus()}`;
  }
}

function notify(entry) {
  for (const fn of entry.listeners) fn(entry);
}

async function storedUploads(filmId) {
  if (!tus || !tus.defaultOptions.urlStorage) return [];
  try {
    const all = await tus.defaultOptions.urlStorage.findAllUploads();
    return all.filter((u) => u.metadata && u.metadata.film === String(filmId));
  } catch {
    return [];
  }
}

async function forget(uploadUrl) {
  try {
    for (const u of await tus.defaultOptions.urlStorage.findAllUploads())
      if (u.uploadUrl === uploadUrl) await tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
  } catch {
    // storage blocked: nothing was kept
  }
}

async function startUpload(film, file, { onQueued }) {
  const session = await getSession();
  const entry = { upload: null, file, sent: 0, total: file.size, samples: [], state: 'uploading', message: '', listeners: new Set() };
  active.set(film.id, entry);
  const upload = new tus.Upload(file, {
    endpoint: '/api/uploads',
    chunkSize: 64 * 1024 * 1024,  // each 64 MB is acknowledged durably on its own
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000],
    metadata: { film: String(film.id), filename: file.name, filetype: file.type || 'application/octet-stream' },
    headers: { 'X-CSRF-Token': session ? session.csrf_token : '' },
    fingerprint: (f) => Promise.resolve(['festival', film.id, f.name, f.type, f.size, f.lastModified].join('-')),
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => {
      entry.sent = sent;
      entry.total = total;
      const now = Date.now();
      entry.samples.push({ at: now, sent });
      while (entry.samples.length > 2 && now - entry.samples[0].at > 10_000) entry.samples.shift();
      notify(entry);
    },
    onSuccess: async () => {
      entry.state = 'checking';
      notify(entry);
      try {
        // Normally settled by the last PATCH; after a server restart it is settled in the background.
        let stored = await api(upload.url);
        for (let i = 0; stored.status === 'receiving' && i < 300; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          stored = await api(upload.url);
        }
        entry.state = stored.status === 'done' ? 'done' : 'failed';
        entry.message = stored.status === 'done' ? t('curator.upload_done') : t('curator.upload_refused', { reason: stored.error || stored.status });
        notify(entry);
        if (stored.job_id) onQueued(stored.job_id);
      } catch (e) {
        entry.state = 'failed';
        entry.message = e.message;
        notify(entry);
      }
    },
    onError: async (error) => {
      const response = error.originalResponse;
      const message = tusErrorMessage(error);
      // 422: complete but not a film. The upload is over; only a new file can follow.
      if (response && response.getStatus() === 422 && upload.url) await forget(upload.url);
      entry.state = 'failed';
      entry.message = response && response.getStatus() === 422 ? t('curator.upload_refused', { reason: message }) : message;
      notify(entry);
    },
  });
  entry.upload = upload;
  const previous = await upload.findPreviousUploads();
  if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
  upload.start();
  notify(entry);
  return entry;
}

/** The upload panel of `film`: {node, stop}. onQueued(jobId) when the master was accepted. */
export function uploadSection(film, { onQueued }) {
  const fileInput = el('input', { type: 'file', id: 'curator-master-file', accept: 'video/*,.mov,.mxf,.mkv,.mp4' });
  const startButton = el('button', { type: 'button', class: 'primary', id: 'curator-upload-start' }, t('curator.upload_start'));
  const pauseButton = el('button', { type: 'button', class: 'button-secondary', id: 'curator-upload-pause', hidden: true }, t('curator.upload_pause'));
  const resumeButton = el('button', { type: 'button', class: 'button-secondary', id: 'curator-upload-resume', hidden: true }, t('curator.upload_resume'));
  const cancelButton = el('button', { type: 'button', class: 'button-secondary', id: 'curator-upload-cancel', hidden: true }, t('curator.upload_cancel'));
  const bar = el('progress', { class: 'curator-progress', id: 'curator-upload-progress', max: 1, value: 0, hidden: true, 'aria-label': t('curator.upload_progress') });
  const figures = el('p', { class: 'curator-figures', id: 'curator-upload-figures', 'aria-live': 'off' });
  const status = el('p', { id: 'curator-upload-status', role: 'status' });
  const unfinished = el('div', { id: 'curator-upload-unfinished' });

  function show(entry) {
    const running = entry.state === 'uploading';
    bar.hidden = false;
    bar.max = entry.total || 1;
    bar.value = entry.sent;
    const speed = speedOf(entry);
    const left = speed > 0 ? (entry.total - entry.sent) / speed : Infinity;
    figures.textContent = t('curator.upload_figures', {
      sent: megabytes(entry.sent),
      total: megabytes(entry.total),
      percent: formatNumber(entry.total ? (100 * entry.sent) / entry.total : 0, { maximumFractionDigits: 1 }),
      speed: megabytes(speed),
      left: running ? duration(left) : '—',
    });
    pauseButton.hidden = !running;
    resumeButton.hidden = entry.state !== 'paused';
    cancelButton.hidden = !(running || entry.state === 'paused');
    startButton.disabled = running || entry.state === 'checking';
    if (entry.state === 'failed') {
      status.className = 'error';
      status.textContent = entry.message;
    } else if (entry.state === 'done') {
      status.className = 'success';
      status.textContent = entry.message;
    } else if (entry.state === 'checking') {
      status.className = '';
      status.textContent = t('curator.upload_checking');
    } else if (entry.state === 'paused') {
      status.className = '';
      status.textContent = t('curator.upload_paused');
    } else {
      status.className = '';
      status.textContent = t('curator.uploading', { name: entry.file.name });
    }
  }

  let attached = null;
  function attach(entry) {
    if (attached) attached.listeners.delete(show);
    attached = entry;
    entry.listeners.add(show);
    unfinished.replaceChildren();
    show(entry);
  }

  startButton.addEventListener('click', async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      status.className = 'error';
      status.textContent = t('curator.upload_choose');
      fileInput.focus();
      return;
    }
    if (!tus || !tus.isSupported) {
      status.className = 'error';
      status.textContent = t('curator.upload_unsupported');
      return;
    }
    attach(await startUpload(film, file, { onQueued }));
  });
  pauseButton.addEventListener('click', () => {
    if (!attached) return;
    attached.upload.abort();
    attached.state = 'paused';
    notify(attached);
  });
  resumeButton.addEventListener('click', () => {
    if (!attached) return;
    attached.state = 'uploading';
    attached.samples = [];
    attached.upload.start();
    notify(attached);
  });
  cancelButton.addEventListener('click', async () => {
    if (!attached) return;
    const entry = attached;
    await entry.upload.abort(true).catch(() => {});  // DELETE: the server drops the bytes
    entry.state = 'failed';
    entry.message = t('curator.upload_cancelled');
    active.delete(film.id);
    notify(entry);
  });

  // An upload still running from before the redraw, or one left unfinished by a reload.
  const running = active.get(film.id);
  if (running) attach(running);
  else {
    storedUploads(film.id).then(async (stored) => {
      for (const u of stored) {
        try {
          const state = await api(u.uploadUrl);
          if (state.status !== 'receiving') continue;
          const percent = formatNumber((100 * state.offset) / state.length, { maximumFractionDigits: 1 });
          unfinished.replaceChildren(el('p', { class: 'notice', id: 'curator-upload-resumable' },
            t('curator.upload_unfinished', { name: u.metadata.filename || '', percent, sent: megabytes(state.offset), total: megabytes(state.length) })));
          bar.hidden = false;
          bar.max = state.length;
          bar.value = state.offset;
          return;
        } catch {
          await forget(u.uploadUrl);  // expired or removed on the server
        }
      }
    });
    api(`/api/films/${film.id}/uploads`).then((list) => {
      const last = list.items.find((u) => u.purpose !== 'audio');
      if (last && last.status === 'failed' && !attached)
        unfinished.append(el('p', { class: 'error', id: 'curator-upload-last-error' }, t('curator.upload_refused', { reason: last.error })));
    }).catch(() => {});
  }

  const node = el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-upload-heading' },
    el('h3', { id: 'curator-upload-heading' }, t('curator.upload')),
    el('p', { class: 'muted' }, film.media ? t('curator.upload_replaces', { version: film.media.version }) : t('curator.upload_intro')),
    unfinished,
    el('div', { class: 'field' }, el('label', { for: 'curator-master-file' }, t('curator.upload_file')), fileInput),
    el('div', { class: 'curator-actions' }, startButton, pauseButton, resumeButton, cancelButton),
    bar, figures, status);
  return { node, stop: () => { if (attached) attached.listeners.delete(show); } };
}
