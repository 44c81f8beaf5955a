/**
 * Secret hygiene, end to end: the real `taskgraph serve` process (logs at trace level) in
 * front of all four simulators, credentials given inline, through ${ENV} and through files;
 * queries, bad queries, refused credentials, a backend with a wrong password, injected
 * backend faults, mutations, subscriptions, /metrics, /readyz. Then every byte the gateway
 * wrote (stdout, stderr, every HTTP and WebSocket answer) is searched for every secret, in
 * plain, Basic-auth and URL-encoded forms, for the session tokens the simulators handed out,
 * and for vendor internals (vCD stackTrace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimulatorServer } from '../../src/simulators/harness.js';
import { PRISM_API_KEY, PRISM_PASSWORD, PRISM_USER, startPrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereRestSimulator, VSPHERE_REST_PASSWORD, VSPHERE_REST_USER } from '../../src/simulators/vsphere-rest/index.js';
import { startVsphereSoapSimulator, VSPHERE_PASSWORD, VSPHERE_USER } from '../../src/simulators/vsphere-soap/index.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { testServerConfig, waitFor } from '../support/gateway.js';
import { apiKeyEntry, handshake, post, subscribeOnce, tempDir, writeFile } from './support.js';
import { cliArgs } from '../support/cli.js';

const GATEWAY_KEY = 'gw-key-Secret-0123456789abcdef';
const WRONG_PASSWORD = 'Wr0ng-Secret-Value-42';
const VCD_PASSWORD = 'sim-System-Passw0rd';

describe('secrets never leave the gateway', () => {
  let sims: RunningSimulator[];
  let child: ChildProcess;
  let url = '';
  let processOutput = '';
  const answers: string[] = [];

  beforeAll(async () => {
    const [pc, vcd, vsr, vss] = await Promise.all([
      startPrismSimulator({ seed: 31, initialTasks: 12 }),
      startVcdSimulator({ seed: 32, spawnOrgs: ['acme', 'globex'], initialTasks: 12 }),
      startVsphereRestSimulator({ seed: 33, initialTasks: 6 }),
      startVsphereSoapSimulator({ seed: 34, initialTasks: 6 }),
    ]);
    sims = [pc!, vcd!, vsr!, vss!];
    for (const task of vcd!.world.list().slice(0, 3)) vcd!.world.update(task.id, { state: 'failed', errorMessage: 'disk full' });
    const dir = tempDir();
    const config = {
      server: testServerConfig(),
      subscriptions: { pollFastMs: 100, pollIdleMs: 100 },
      auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('scanner', GATEWAY_KEY, { backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'], actions: ['*'] })] },
      backends: [
        { name: 'pc', type: 'prism', url: pc!.server.url, username: PRISM_USER, password: '${TG_SCAN_PRISM_PASSWORD}' },
        { name: 'pc-key', type: 'prism', url: pc!.server.url, apiKeyFile: writeFile(dir, 'prism-key', `${PRISM_API_KEY}\n`) },
        { name: 'pc-bad', type: 'prism', url: pc!.server.url, username: PRISM_USER, password: WRONG_PASSWORD },
        { name: 'vcd', type: 'vcd', url: vcd!.server.url, username: 'administrator', org: 'System', passwordFile: writeFile(dir, 'vcd-password', VCD_PASSWORD) },
        { name: 'vsr', type: 'vsphere-rest', url: vsr!.server.url, username: VSPHERE_REST_USER, password: VSPHERE_REST_PASSWORD },
        { name: 'vss', type: 'vsphere-soap', url: vss!.server.url, username: VSPHERE_USER, password: '${TG_SCAN_SOAP_PASSWORD}' },
      ],
    };
    // JSON is YAML: the file is what an operator would write.
    const file = writeFile(dir, 'taskgraph.yaml', JSON.stringify(config, null, 2));
    child = spawn(process.execPath, cliArgs('serve', '--config', file, '--log-level', 'trace'), {
      env: { ...process.env, TG_SCAN_PRISM_PASSWORD: PRISM_PASSWORD, TG_SCAN_SOAP_PASSWORD: VSPHERE_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (processOutput += d));
    child.stderr!.on('data', (d) => (processOutput += d));
    url = await waitFor(() => /serving \d+ backend\(s\) at (http:\S+\/graphql)/.exec(processOutput)?.[1], `the gateway to start:\n${processOutput}`, 30_000);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all((sims ?? []).map((s) => s.close()));
  });

  /** Every answer is kept, status line, headers and body, to be scanned. */
  async function ask(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-api-key': GATEWAY_KEY }) {
    const res = await post(url, { query, variables }, headers);
    answers.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.text}`);
    return res.body;
  }

  async function fetchText(path: string) {
    const res = await fetch(url.replace('/graphql', path));
    const text = await res.text();
    answers.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
    return text;
  }

  it('runs the scenario', async () => {
    const [pc, vcd, , vss] = sims as [RunningSimulator, RunningSimulator, RunningSimulator, RunningSimulator];
    const FIELDS = 'id backend nativeId status nativeStatus description tenant errors { message code } warnings { message } result initiatedBy { name } entitiesAffected { nativeId href } relatedTasks { nativeId systemId } completionDetails { name value }';
    const list = await ask(`{ tasks(first: 100) { totalCount nodes { ${FIELDS} subtasks(first: 5) { nodes { id } } } } backends { name health lastError } }`);
    expect(list.data.tasks.nodes.length).toBeGreaterThan(20);
    expect(list.errors.map((e: any) => e.extensions.backend)).toEqual(['pc-bad']);
    const failed = list.data.tasks.nodes.find((t: any) => t.backend === 'vcd' && t.status === 'FAILED');
    expect(failed.errors[0].message).toBe('disk full');
    const some = list.data.tasks.nodes.find((t: any) => t.backend === 'pc');
    await ask(`query($id: ID!) { task(id: $id) { ${FIELDS} parent { id } root { id } } node(id: $id) { id } }`, { id: some.id });

    // Bad queries and refused credentials.
    await ask('{ tasks(first: ');
    await ask('{ tasks { nope } }');
    await ask('{ tasks(first: 1, after: "garbage") { nodes { id } } }');
    await ask('{ tasks { edges { node { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } }');
    await ask('{ backends { name } }', {}, {});
    await ask('{ backends { name } }', {}, { 'x-api-key': `${GATEWAY_KEY}x` });
    await ask('{ backends { name } }', {}, { authorization: `Basic ${Buffer.from(`admin:${GATEWAY_KEY}`).toString('base64')}` });

    // Backend faults: 5xx, malformed bodies, broken connections.
    pc.server.setFaults({ failNext: 2, failStatus: 503 });
    vcd.server.setFaults({ failNext: 1, failStatus: 500 });
    vss.server.setFaults({ malformedNext: 1 });
    await ask(`{ tasks(first: 20) { nodes { id } } }`);
    await ask(`{ tasks(first: 20) { nodes { id } } }`);

    // Mutations, including refused ones.
    const running = list.data.tasks.nodes.find((t: any) => t.backend === 'pc' && t.status === 'RUNNING') ?? some;
    await ask(`mutation($id: ID!) { cancelTask(id: $id) { task { status } error { code message } } }`, { id: running.id });
    const created = await ask(`mutation { createTask(input: { backend: "vcd", operation: "backup", serviceNamespace: "com.example", description: "scan" }) { task { id } error { code message } } }`);
    await ask(`mutation($id: ID!) { updateTask(input: { id: $id, status: FAILED, errorMessage: "quota" }) { task { status } error { code message } } }`, { id: created.data.createTask.task.id });
    await ask(`mutation { createTask(input: { backend: "vcd", operation: "x", serviceNamespace: "com.vmware.vcloud.bad" }) { error { code message } } }`);

    // Subscriptions, while a backend fails under the watcher.
    const ws = await handshake(url.replace('http', 'ws'), { apiKey: GATEWAY_KEY });
    expect(ws.acked).toBe(true);
    if (!ws.acked) return;
    ws.socket.on('message', (data) => answers.push(String(data)));
    const refused = await handshake(url.replace('http', 'ws'), { apiKey: WRONG_PASSWORD });
    expect(refused).toMatchObject({ acked: false, code: 4401 });
    answers.push(JSON.stringify(refused));
    const events = subscribeOnce(ws.socket, `subscription { taskEvents { type task { ${FIELDS} } } }`, {}, (m) => m.length >= 3);
    await subscribeOnce(ws.socket, `subscription($id: ID!) { taskUpdated(id: $id) { status } }`, { id: some.id }, (m) => m.length >= 1);
    await subscribeOnce(ws.socket, `subscription { taskUpdated(id: "bm9wZQ") { status } }`);
    pc.server.setFaults({ failNext: 3, failStatus: 401 });
    pc.world.create({ operation: 'kVmPowerOn' });
    vcd.world.create({ operation: 'vappDeploy', tenant: 'globex' });
    pc.world.create({ operation: 'kImageCreate' });
    await events;
    ws.socket.close();

    expect(await fetchText('/readyz')).toContain('pc-bad');
    expect(await fetchText('/metrics')).toContain('taskgraph');
    await fetchText('/healthz');

    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exit;
    expect(processOutput).toContain('"msg":"graphql request"');
  }, 60_000);

  it('wrote no secret, no session token and no vendor internals anywhere', () => {
    const secrets = new Set([GATEWAY_KEY, WRONG_PASSWORD, VCD_PASSWORD, PRISM_PASSWORD, PRISM_API_KEY, VSPHERE_REST_PASSWORD, VSPHERE_PASSWORD]);
    const basic = (user: string, pw: string) => Buffer.from(`${user}:${pw}`).toString('base64');
    for (const [user, pw] of [[PRISM_USER, PRISM_PASSWORD], [PRISM_USER, WRONG_PASSWORD], ['administrator@System', VCD_PASSWORD], [VSPHERE_REST_USER, VSPHERE_REST_PASSWORD]] as const) {
      secrets.add(basic(user, pw));
    }
    for (const s of [...secrets]) secrets.add(encodeURIComponent(s));
    // What the gateway sent upstream besides passwords: session tokens, cookies, API keys.
    for (const sim of sims) {
      for (const req of (sim.server as SimulatorServer).recent()) {
        const h = req.headers;
        for (const value of [h.authorization, h['x-vcloud-authorization'], h['vmware-api-session-id'], h['x-ntnx-api-key']]) {
          const token = String(value ?? '').replace(/^(Basic|Bearer)\s+/i, '');
          if (token.length >= 8) secrets.add(token);
        }
        for (const cookie of String(h.cookie ?? '').split(';')) {
          const token = cookie.split('=').slice(1).join('=').trim().replace(/^"|"$/g, '');
          if (token.length >= 8) secrets.add(token);
        }
      }
    }
    expect(secrets.size).toBeGreaterThan(15);
    const output = [processOutput, ...answers].join('\n');
    expect(output.length).toBeGreaterThan(10_000);
    const found = [...secrets].filter((s) => output.includes(s));
    expect(found).toEqual([]);
    for (const internal of ['stackTrace', 'TaskExecutor.java', 'InternalServerErrorException', 'at com.vmware']) expect(output).not.toContain(internal);
  });
});
