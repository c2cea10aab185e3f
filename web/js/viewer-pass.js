// The viewer pass of a gated film (docs/rights.md): a random 32-hex secret the browser keeps in
// localStorage["festival.pass.<filmId>"], created on the first play. The server stores it hashed and
// ties the film's view count and watch window to it; POST /api/films/{key}/access trades it for the
// film's media URLs. Clearing the browser's storage (or another browser) makes a new pass: the pass
// counts views and windows per browser, it does not identify a person.
import { api, ApiError } from '/js/api.js';
import { t } from '/js/i18n.js';

const PASS = /^[0-9a-f]{32}$/;

function storageKey(filmId) {
  return `festival.pass.${filmId}`;
}

/** The pass already kept for this film, or null. */
export function storedPass(filmId) {
  try {
    const pass = localStorage.getItem(storageKey(filmId));
    return pass && PASS.test(pass) ? pass : null;
  } catch {
    return null;
  }
}

/** The kept pass, or a new one (32 lower-case hex from crypto.getRandomValues), kept. */
export function viewerPass(filmId) {
  const known = storedPass(filmId);
  if (known) return known;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const pass = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  try {
    localStorage.setItem(storageKey(filmId), pass);
  } catch {
    // no storage: the pass lives as long as the page, and a reload counts as a new viewer
  }
  return pass;
}

/**
 * Asks the server for the film's media with this browser's pass. Resolves {media, pass} (the pass's
 * dates: registered_at, started_at, start_until, watch_until); a refusal rejects with an ApiError
 * whose code is rights_country | rights_views | rights_start_window | rights_watch_window.
 */
export function requestAccess(filmKey, filmId) {
  return api(`/api/films/${encodeURIComponent(filmKey)}/access`, { method: 'POST', body: { pass: viewerPass(filmId) } });
}

/** A refusal ({code, message}) in the viewer's language: rights.<code>, else the server's own message. */
export function refusalText(refusal) {
  if (!refusal) return '';
  const key = `rights.${refusal.code}`;
  const text = t(key);
  if (text !== key) return text;
  return refusal.message || t('player.error_forbidden');
}

/** An access error as a refusal ({code, message}), or null when it was not the rights that refused. */
export function refusalOf(error) {
  if (error instanceof ApiError && error.status === 403 && /^rights_/.test(error.code || '')) return { code: error.code, message: error.message };
  return null;
}
