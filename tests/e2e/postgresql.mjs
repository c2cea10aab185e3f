// A throwaway PostgreSQL catalog for a test or a benchmark. With FESTIVAL_TEST_POSTGRESQL (a libpq URL,
// set by scripts/test under pg_virtualenv) a brand-new schema in that database; otherwise a cluster of
// its own: Debian's initdb and pg_ctl in a temporary folder (as the `postgres` user through runuser when
// root: PostgreSQL refuses to run as root), listening only on 127.0.0.1 on a free port, with `unaccent`
// created for the catalog's accent-insensitive search. stop() removes the schema or the cluster.
//
// As a command (for scripts/bench-*): `node tests/e2e/postgresql.mjs [--durable]` prints the URL on one
// line, then keeps the cluster until stdin closes or SIGTERM/SIGINT; --durable keeps fsync on (a
// benchmark measures what a real server pays), a test's cluster runs with fsync off.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const binDir = process.env.FESTIVAL_POSTGRESQL_BIN || '/usr/lib/postgresql/15/bin';

/** Why no PostgreSQL can be had here (a reason to skip), or null. */
export function postgresqlUnavailable() {
  if (process.env.FESTIVAL_TEST_POSTGRESQL) return null;
  if (!existsSync(path.join(binDir, 'initdb'))) return `${binDir}/initdb is missing (scripts/install-deps --tests: postgresql-15)`;
  if (spawnSync('psql', ['--version']).status !== 0) return 'psql is missing (postgresql-client-15)';
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Runs SQL through psql against url, stopping at the first error; resolves with psql's output. */
export async function psql(url, sql) {
  const { stdout } = await run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql]);
  return stdout.trim();
}

// The libpq URL with a search_path option: every unqualified name the festival uses lands in `schema`.
function withSchema(url, schema) {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}options=-csearch_path%3D${schema},public`;
}

async function freshSchema(base) {
  const schema = `festival_${randomBytes(6).toString('hex')}`;
  await psql(base, `CREATE SCHEMA ${schema}`);
  return {
    url: withSchema(base, schema),
    admin: base,
    stop: async () => { await psql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {}); },
  };
}

/**
 * A PostgreSQL catalog: {url (for --catalog), admin (a URL for psql), stop()}. Options: durable (fsync
 * on; a cluster of its own only), maxConnections.
 */
export async function startPostgresql({ durable = false, maxConnections = 200 } = {}) {
  if (process.env.FESTIVAL_TEST_POSTGRESQL) return freshSchema(process.env.FESTIVAL_TEST_POSTGRESQL);
  const unavailable = postgresqlUnavailable();
  if (unavailable) throw new Error(unavailable);

  const work = mkdtempSync(path.join(tmpdir(), 'festival-postgresql-'));
  const asRoot = process.getuid?.() === 0;
  const asPostgres = (exe, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args]);
  if (asRoot) {
    const { uid, gid } = statSync('/var/lib/postgresql');  // the postgres user's home, owned by it
    chownSync(work, uid, gid);
  }
  chmodSync(work, 0o700);
  const data = path.join(work, 'data');
  const log = path.join(work, 'postgresql.log');
  const port = await freePort();
  const initdb = asPostgres(path.join(binDir, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  execFileSync(initdb[0], initdb[1], { stdio: ['ignore', 'ignore', 'pipe'] });
  const settings = ['-h', '127.0.0.1', '-p', String(port), '-k', work, '-c', `max_connections=${maxConnections}`];
  if (!durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pgCtl = (verb, extra) => asPostgres(path.join(binDir, 'pg_ctl'), [verb, '-D', data, '-s', ...extra]);
  const start = pgCtl('start', ['-w', '-l', log, '-o', settings.join(' ')]);
  execFileSync(start[0], start[1], { stdio: ['ignore', 'ignore', 'pipe'] });

  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const url = `postgresql://postgres@127.0.0.1:${port}/festival`;
  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      const halt = pgCtl('stop', ['-w', '-m', 'fast']);
      await run(halt[0], halt[1]).catch(() => {});
      rmSync(work, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    await psql(admin, 'CREATE DATABASE festival');
    await psql(url, 'CREATE EXTENSION IF NOT EXISTS unaccent');
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, admin, port, stop };
}

// The command: a cluster for a shell script's run.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const catalog = await startPostgresql({ durable: process.argv.includes('--durable') });
  let ending = false;
  const end = async () => {
    if (ending) return;
    ending = true;
    await catalog.stop();
    process.exit(0);
  };
  process.on('SIGTERM', end);
  process.on('SIGINT', end);
  process.stdin.on('end', end);
  process.stdin.resume();
  process.stdout.write(`${catalog.url}\n`);
}
