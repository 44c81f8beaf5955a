/**
 * A PostgreSQL database for tests of the history store. With TASKGRAPH_PG_URL (CI: `.ci/run`
 * starts Debian's cluster and sets it), a fresh database is created on that server per call;
 * without it, a private server is started from Debian's binaries in a temporary directory
 * (as the `postgres` user when running as root) on a free port, and removed afterwards.
 * Neither possible: the tests skip with the reason, or fail with TASKGRAPH_REQUIRE_PEERS=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { requirePeers } from './peers.js';

export interface TestPostgres {
  /** A fresh database made at start. */
  url: string;
  /** Another fresh, empty database on the same server. */
  newDatabase(): Promise<string>;
  /** Drops the databases (and stops a private server). */
  stop(): Promise<void>;
}

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function databases(serverUrl: string, stopServer: () => void): Promise<TestPostgres> {
  const made: string[] = [];
  const newDatabase = async () => {
    const name = `taskgraph_test_${randomBytes(4).toString('hex')}`;
    await onServer(serverUrl, `CREATE DATABASE ${name}`);
    made.push(name);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    url: await newDatabase(),
    newDatabase,
    async stop() {
      for (const name of made) await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      stopServer();
    },
  };
}

/** A fresh, empty database; null (after printing why) when PostgreSQL is not available. */
export async function startTestPostgres(): Promise<TestPostgres | null> {
  const shared = process.env.TASKGRAPH_PG_URL;
  if (shared) return databases(shared, () => {});
  const bin = binDir();
  if (!bin) {
    if (requirePeers) throw new Error('PostgreSQL is required (TASKGRAPH_REQUIRE_PEERS=1): install postgresql or set TASKGRAPH_PG_URL');
    console.warn('skipping PostgreSQL history tests: postgresql is not installed and TASKGRAPH_PG_URL is not set (see .ci/run)');
    return null;
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe' }));
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'taskgraph', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // fsync off: these servers live for one test file; the SIGKILL test kills the gateway, not PostgreSQL.
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
  return databases(`postgres://taskgraph@127.0.0.1:${port}/postgres`, () => {
    spawnSync(root ? 'runuser' : join(bin, 'pg_ctl'), [...(root ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
}
