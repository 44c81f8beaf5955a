/**
 * The peer gateways of the side-by-side benchmark: installs bench/peers from its lockfile
 * when needed, composes the Mesh supergraph for a Prism URL, and runs Hive Gateway on it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));
const BIN = `${PEERS}node_modules/.bin/`;

/** `npm ci --prefix bench/peers` when its node_modules is missing (a fresh clone). */
export function ensurePeersInstalled(): void {
  if (existsSync(`${BIN}hive-gateway`) && existsSync(`${BIN}mesh-compose`)) return;
  console.log('installing the peer gateways: npm ci --prefix bench/peers (once)');
  const res = spawnSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error('npm ci --prefix bench/peers failed');
}

/** Composes the supergraph for this Prism endpoint; returns its path. */
export function composeSupergraph(prismUrl: string, authorization: string): string {
  // Mesh writes the Basic credentials into the supergraph in clear: keep it out of the work tree.
  const out = join(mkdtempSync(join(tmpdir(), 'taskgraph-mesh-')), 'supergraph.graphql');
  const res = spawnSync(`${BIN}mesh-compose`, ['-o', out], {
    cwd: PEERS,
    env: { ...process.env, PRISM_URL: prismUrl, PRISM_AUTH: authorization },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`mesh-compose failed: ${res.stderr || res.stdout}`);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HiveGateway {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `hive-gateway supergraph` (one process, like the others) and waits until it answers. */
export async function startHiveGateway(supergraph: string, options: { jit?: boolean } = {}): Promise<HiveGateway> {
  const port = await freePort();
  const args = ['supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1', '--fork', '1', ...(options.jit ? ['--jit'] : [])];
  const child: ChildProcess = spawn(`${BIN}hive-gateway`, args, { cwd: PEERS, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FORK: '1' } });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hive-gateway exited: ${stderr}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hive-gateway did not answer within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
