// A film's transcode job, live: the newest job is shown on arrival, and one that is still queued or
// running is followed through GET /api/jobs/{id}/events (server-sent events) until it ends. A failed
// job shows its reason.
import { api } from '/js/api.js';
import { formatNumber, pagePath, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const FINISHED = new Set(['done', 'failed', 'cancelled']);

function eta(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? t('curator.time_ms', { m: Math.floor(s / 60), s: s % 60 }) : t('curator.time_s', { s });
}

/** {node, follow(jobId), stop()} for `film`; onDone(job) when a followed job ends. */
export function jobSection(film, { onDone } = {}) {
  const state = el('p', { id: 'curator-job-status', role: 'status' }, t('curator.job_none'));
  const bar = el('progress', { class: 'curator-progress', id: 'curator-job-progress', max: 100, value: 0, hidden: true, 'aria-label': t('curator.job_progress') });
  const figures = el('p', { class: 'curator-figures', id: 'curator-job-figures' });
  const reason = el('p', { class: 'error', id: 'curator-job-error', role: 'alert', hidden: true });
  const cancel = el('button', { type: 'button', class: 'button-secondary', id: 'curator-job-cancel', hidden: true }, t('curator.job_cancel'));
  const links = el('p', { id: 'curator-job-links' });
  let source = null;
  let current = null;

  function show(job) {
    current = job;
    state.textContent = t('curator.job_state', { id: job.id, status: t(`curator.job_${job.status}`) });
    state.dataset.status = job.status;
    state.dataset.job = String(job.id);
    bar.hidden = job.status === 'cancelled';
    bar.value = job.status === 'done' ? 100 : job.progress;
    figures.textContent = job.status === 'running'
      ? t('curator.job_figures', {
        percent: formatNumber(job.progress, { maximumFractionDigits: 1 }),
        fps: formatNumber(job.fps, { maximumFractionDigits: 0 }),
        eta: eta(job.eta_seconds),
      })
      : '';
    reason.hidden = !(job.status === 'failed' || (job.error && job.status !== 'done'));
    reason.textContent = job.error ? t('curator.job_failed_reason', { reason: job.error }) : '';
    cancel.hidden = FINISHED.has(job.status);
    links.replaceChildren();
    if (job.status === 'done')
      links.append(el('a', { href: pagePath(`films/${encodeURIComponent(film.slug)}`), id: 'curator-job-film-link' }, t('curator.job_watch')));
  }

  function stop() {
    if (source) source.close();
    source = null;
  }

  function follow(jobId) {
    stop();
    // The new job replaces the previous one's state at once: until its first answer, a finished
    // previous job must not read as this one done.
    show({ id: jobId, status: 'queued', progress: 0 });
    api(`/api/jobs/${jobId}`).then(show).catch(() => {});
    source = new EventSource(`/api/jobs/${jobId}/events`);
    source.onmessage = (event) => {
      const job = JSON.parse(event.data);
      show(job);
      if (FINISHED.has(job.status)) {
        stop();
        if (onDone) onDone(job);
      }
    };
    // The browser reconnects on its own; a finished job's stream simply ends.
    source.onerror = () => {
      if (current && FINISHED.has(current.status)) stop();
    };
  }

  cancel.addEventListener('click', async () => {
    if (!current) return;
    try {
      show(await api(`/api/jobs/${current.id}/cancel`, { method: 'POST' }));
      stop();
    } catch (e) {
      reason.hidden = false;
      reason.textContent = e.message;
    }
  });

  api(`/api/films/${film.id}/jobs`).then(({ jobs }) => {
    if (!jobs.length || current) return;
    if (FINISHED.has(jobs[0].status)) show(jobs[0]);
    else follow(jobs[0].id);
  }).catch(() => {});

  const node = el('section', { class: 'card curator-section', 'aria-labelledby': 'curator-job-heading' },
    el('h3', { id: 'curator-job-heading' }, t('curator.job')),
    state, bar, figures, reason, el('div', { class: 'curator-actions' }, cancel), links);
  return { node, follow, stop };
}
