/**
 * Hive Gateway as a platform team runs it: its own process (`hive-gateway supergraph <file>`,
 * @graphql-hive/gateway as bench/peers installs it), NO gateway config file, over a
 * supergraph composed with @theguild/federation-composition (what Hive's registry composes
 * with). Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@theguild/federation-composition';
import type { DocumentNode } from 'graphql';
import { requirePeers } from '../support/peers.js';

const PEERS = join(import.meta.dirname, '../../bench/peers');
const HIVE_GATEWAY = join(PEERS, 'node_modules/.bin/hive-gateway');

/** The hive-gateway program, or null (after saying why the tests skip); with TASKGRAPH_REQUIRE_PEERS=1 its absence fails. */
export function findHiveGateway(): string | null {
  if (existsSync(HIVE_GATEWAY)) return HIVE_GATEWAY;
  const why = 'hive-gateway is not installed: npm ci --prefix bench/peers (.ci/run does)';
  if (requirePeers) throw new Error(`${why} (TASKGRAPH_REQUIRE_PEERS=1)`);
  console.warn(`skipping the Hive Gateway tests: ${why}`);
  return null;
}

/** A supergraph of the subgraphs, composed as Hive's registry does. */
export function composeSupergraph(subgraphs: Array<{ name: string; url: string; typeDefs: DocumentNode }>): string {
  const composed = composeServices(subgraphs);
  if (!composed.supergraphSdl) throw new Error(`composition failed:\n${(composed.errors ?? []).map((e) => e.message).join('\n')}`);
  return composed.supergraphSdl;
}

/**
 * The supergraph with a Hive Gateway transport entry for `subgraph` (the `@transport` schema
 * directive its runtime reads from a supergraph, @graphql-mesh/fusion-runtime
 * `getTransportEntryMapUsingFusionAndFederationDirectives`): queries over HTTP, subscriptions
 * over graphql-ws at `wsUrl`. No gateway config file needed.
 */
export function withWebSocketSubscriptions(supergraphSdl: string, subgraph: string, httpUrl: string, wsUrl: string): string {
  const options = `{ subscriptions: { kind: "ws", location: ${JSON.stringify(wsUrl)} } }`;
  return `${supergraphSdl}
scalar TransportOptions
directive @transport(subgraph: String!, kind: String!, location: String!, options: TransportOptions) repeatable on SCHEMA
extend schema @transport(subgraph: ${JSON.stringify(subgraph)}, kind: "http", location: ${JSON.stringify(httpUrl)}, options: ${options})
`;
}

export interface HiveGateway {
  url: string;
  /** What it wrote to stderr and stdout, last 8 kB (for failures). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A port free a moment ago. hive-gateway logs `Listening on http://127.0.0.1:0` when given
 * port 0, never the port it got, so the test picks one (and retries if it was taken since).
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `hive-gateway supergraph <file>` and waits until it answers; a port taken meanwhile is retried on another. */
export async function startHiveGateway(program: string, supergraphSdl: string): Promise<HiveGateway> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(program, supergraphSdl, await freePort());
    } catch (error) {
      if (attempt === 3 || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

async function startOnce(program: string, supergraphSdl: string, port: number): Promise<HiveGateway> {
  const file = join(mkdtempSync(join(tmpdir(), 'taskgraph-hive-')), 'supergraph.graphql');
  writeFileSync(file, supergraphSdl);
  // An empty working directory: no gateway.config.* is found, as with no config at all.
  const child: ChildProcess = spawn(program, ['supergraph', file, '--port', String(port), '--host', '127.0.0.1', '--fork', '1'], {
    cwd: join(file, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORK: '1', NODE_ENV: 'test' },
  });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 50_000;
  for (;;) {
    if (output.includes('Listening on')) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).catch(() => null);
      if (res?.ok) return { url, output: () => output, stop };
    }
    if (child.exitCode !== null) throw new Error(`hive-gateway exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hive-gateway did not answer within 50 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
