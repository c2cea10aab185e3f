// The browser's viewer token: 128 random bits (32 lower-case hex digits) kept in localStorage under
// `festival.viewer`, made at the first play start. It is sent in one place only, the body of a play
// start (player.js), never as a cookie or a header, so the festival can count the people who watched
// over its whole run without knowing who they are (docs/statistics.md, "People over the whole run").
// Where storage is blocked, the token lives as long as the page: that page's plays count as one person.
const STORAGE_KEY = 'festival.viewer';
const SHAPE = /^[0-9a-f]{32}$/;

let pageToken = null;  // when storage is blocked

function randomToken() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** This browser's viewer token, made (and remembered) on first use. */
export function viewerToken() {
  try {
    const kept = localStorage.getItem(STORAGE_KEY);
    if (kept && SHAPE.test(kept)) return kept;
    const made = randomToken();
    localStorage.setItem(STORAGE_KEY, made);
    return made;
  } catch {
    pageToken = pageToken || randomToken();
    return pageToken;
  }
}
