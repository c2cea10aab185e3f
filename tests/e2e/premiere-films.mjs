// For premiere tests without a transcoder: a film created through the API whose current version is
// laid out by hand, as a transcoder would have published it (its manifest states the duration), and
// staff calls from Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A signed-in call ({cookie, csrf} from signInApi) → {status, body (parsed JSON or null)}. */
export async function staffCall(festival, who, method, target, body) {
  const response = await fetch(`${festival.url}${target}`, {
    method,
    headers: { 'Content-Type': 'application/json', Cookie: who.cookie, 'X-CSRF-Token': who.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Creates the published film `fields` (slug, original_title, …) with a current version of `seconds`; returns its id. */
export async function filmWithVersion(festival, who, fields, seconds) {
  const created = await staffCall(festival, who, 'POST', '/api/films', { category: 'fiction', published: true, ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const version = path.join(festival.dataDir, 'media', String(id), 'v1');
  mkdirSync(version, { recursive: true });
  writeFileSync(path.join(version, 'version.json'), JSON.stringify({
    variants: [{ uri: '360p/index.m3u8', bandwidth: 800000, width: 640, height: 360, codecs: 'avc1.64001e,mp4a.40.2' }],
    duration_seconds: seconds,
  }));
  const recorded = spawnSync('sqlite3', [path.join(festival.dataDir, 'catalog.db'),
    `UPDATE films SET media_version = 1 WHERE id = ${id}`]);
  assert.equal(recorded.status, 0, recorded.stderr?.toString());
  return id;
}
