/**
 * The snippets in docs/clients.md marked "(tested)" run verbatim (only the gateway URL is
 * replaced) as child processes against a gateway in front of the Prism simulator.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, startTestGateway, waitFor } from '../support/gateway.js';

const DOC = join(process.cwd(), 'docs', 'clients.md');
/** Inside the repository, so the snippets' imports resolve from node_modules. */
const DIR = join(process.cwd(), 'test-artifacts', 'client-snippets');

function snippets(): Map<string, string> {
  const found = new Map<string, string>();
  const text = readFileSync(DOC, 'utf8');
  for (const m of text.matchAll(/<!-- snippet: ([\w-]+) \(tested\) -->\n```ts\n([\s\S]*?)\n```/g)) found.set(m[1]!, m[2]!);
  return found;
}

function run(name: string, source: string, origin: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${name}.mts`);
  writeFileSync(file, source.replaceAll('http://localhost:4000', origin).replaceAll('ws://localhost:4000', origin.replace(/^http/, 'ws')));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('docs/clients.md snippets', { timeout: 60_000 }, () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let origin: string;
  const all = snippets();
  const snippet = (name: string) => {
    const source = all.get(name);
    if (!source) throw new Error(`docs/clients.md has no snippet "${name}"`);
    return source;
  };
  const taskId = async (operation: string) => {
    const res = await gql(gw.url, `query($op: [String!]) { tasks(first: 1, filter: { operation: $op }) { nodes { id } } }`, { op: [operation] });
    return res.data.tasks.nodes[0].id as string;
  };

  beforeAll(async () => {
    sim = await startPrismSimulator({ initialTasks: 30, seed: 61 });
    gw = await startTestGateway([sim.backendConfig('pc')], { subscriptions: { pollFastMs: 100, pollIdleMs: 100 } });
    origin = new URL(gw.url).origin;
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  it('has the four tested snippets', () => {
    expect([...all.keys()].sort()).toEqual(['graphql-ws-events', 'graphql-ws-follow', 'urql-cancel', 'urql-query']);
  });

  it('urql-query pages through finished tasks', async () => {
    const out = await run('urql-query', snippet('urql-query'), origin);
    expect(out.stderr).toBe('');
    const seen = Number(/finished tasks seen: (\d+)/.exec(out.stdout)?.[1]);
    expect(seen).toBeGreaterThan(0);
    expect(out.code).toBe(0);
  });

  it('urql-cancel cancels a running task', async () => {
    sim.world.create({ operation: 'kSnippetCancel', plan: { queuedMs: 0, runMs: 600_000 } });
    const out = await run('urql-cancel', snippet('urql-cancel'), origin, [await taskId('kSnippetCancel')]);
    expect(out.stdout.trim()).toBe('cancel accepted: CANCELING');
    expect(out.code).toBe(0);
  });

  it('graphql-ws-follow prints each state until the task finishes', async () => {
    sim.world.create({ operation: 'kSnippetFollow', plan: { queuedMs: 0, runMs: 1500, outcome: 'succeeded' } });
    const out = await run('graphql-ws-follow', snippet('graphql-ws-follow'), origin, [await taskId('kSnippetFollow')]);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUNNING \d+%$/);
    expect(lines[lines.length - 1]).toBe('SUCCEEDED 100%');
    expect(out.code).toBe(0);
  });

  it('graphql-ws-events prints a failure event', async () => {
    const pending = run('graphql-ws-events', snippet('graphql-ws-events'), origin);
    // Fail a task once the subscriber is registered with the hub.
    await waitFor(() => gw.hub.stats().subscribers > 0, 'the snippet to subscribe');
    sim.world.create({ operation: 'kSnippetFail', plan: { queuedMs: 0, runMs: 300, outcome: 'failed' } });
    const out = await pending;
    expect(out.stdout.trim()).toMatch(/^(CREATED|UPDATED|COMPLETED) pc kSnippetFail FAILED$/);
    expect(out.code).toBe(0);
  });
});
