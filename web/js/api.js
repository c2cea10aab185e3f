// The festival's JSON API from the browser. Errors become ApiError with the server's message; signed-in
// writes carry the session's CSRF token (from GET /api/session, fetched once per page).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let sessionPromise = null;

/** The signed-in session ({user, csrf_token, expires_at}) or null; cached for the page. */
export function getSession({ refresh = false } = {}) {
  if (!sessionPromise || refresh) {
    sessionPromise = fetch('/api/session', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return sessionPromise;
}

async function errorFrom(response) {
  let code = `http_${response.status}`;
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message);
}

/**
 * Calls the API: api('/api/films?q=x'), api('/api/session', {method: 'POST', body: {...}}).
 * body is sent as JSON unless it is a FormData/Blob/string. Returns the parsed JSON (null for 204).
 * Throws ApiError (status, code, message); a network failure is an ApiError with status 0.
 */
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Blob || body instanceof FormData) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const session = await getSession();
    if (session && session.csrf_token) init.headers['X-CSRF-Token'] = session.csrf_token;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/** Signs in; returns {user, csrf_token, expires_at} and refreshes the cached session. */
export async function signIn(email, password) {
  const session = await api('/api/session', { method: 'POST', body: { email, password } });
  sessionPromise = Promise.resolve(session);
  return session;
}

/** Signs out (the cookie is cleared by the server). */
export async function signOut() {
  await api('/api/session', { method: 'DELETE' });
  sessionPromise = Promise.resolve(null);
}
