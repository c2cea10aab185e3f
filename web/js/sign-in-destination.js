// Where a signed-in user goes next. `?next=` comes from a link anyone can craft, so it is followed
// only when it names a page of this site: a single '/' then a path, as the browser itself resolves
// it ('//host', '/\host' and '/<tab>/host' all lead to another site).

/**
 * Returns `next` (already percent-decoded, as URLSearchParams gives it) as a path on `origin`, or null
 * when it is missing or could lead anywhere else.
 */
export function sameOriginPath(next, origin) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return null;
  // Browsers read '\' as '/' and drop tabs and line breaks inside URLs: none belongs in our paths.
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return null;
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  return url.pathname + url.search + url.hash;
}
