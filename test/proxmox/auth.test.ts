/**
 * API token and ticket authentication against the simulator (which checks them as pveproxy
 * does, the CSRF token on writes included), the ticket's renewal, and the config checks that
 * name the field to fix.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { createTransport, type HttpRequest, type HttpResponse, type Transport } from '../../src/adapters/http.js';
import { proxmoxConfigSchema } from '../../src/adapters/proxmox/index.js';
import { createSession, TICKET_RENEW_MS } from '../../src/adapters/proxmox/session.js';
import { Secret } from '../../src/model/secret.js';
import { PROXMOX_PASSWORD, PROXMOX_TOKEN_SECRET, PROXMOX_USER } from '../../src/simulators/proxmox/index.js';
import { ctx, spawn, startFixture, type Fixture } from './support.js';

const LIST = { filter: {}, direction: 'DESC' as const, limit: 5 };

describe('authentication', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    spawn(f, 6);
  });
  afterAll(() => f.close());

  const sent = () => f.sim.server.recent();

  it('sends an API token on every call, and no login', async () => {
    f.mark();
    const adapter = f.adapter({}, true);
    expect((await adapter.listTasks(LIST, ctx)).tasks.length).toBeGreaterThan(0);
    expect(f.requests().some((r) => r.includes('/access/ticket'))).toBe(false);
    expect(new Set(sent().map((r) => r.headers.authorization))).toEqual(new Set([`PVEAPIToken=root@pam!taskgraph=${PROXMOX_TOKEN_SECRET}`]));
  });

  it('stops a task with a token, which needs no CSRF token', async () => {
    const task = f.sim.world.create({ operation: 'qmigrate', tenant: 'pve2', plan: { queuedMs: 0, runMs: 600_000 } });
    f.mark();
    const outcome = await f.adapter({}, true).cancelTask!(f.sim.upidOf(task), ctx);
    expect(outcome).toMatchObject({ ok: true, task: { status: 'CANCELING', cancelRequested: true } });
    const stop = sent().find((r) => r.method === 'DELETE')!;
    expect(stop.headers.csrfpreventiontoken).toBeUndefined();
  });

  it('refuses a wrong token secret as an auth failure that does not show it', async () => {
    const err = await f.adapter({ tokenSecret: 'wrong-secret-4f1d' }, true).listTasks(LIST, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', status: 401 });
    expect(String((err as Error).message)).not.toContain('wrong-secret-4f1d');
  });

  it('logs in once for a ticket, sends it as the cookie, and the CSRF token with a stop only', async () => {
    f.mark();
    const adapter = f.adapter();
    await Promise.all([adapter.listTasks(LIST, ctx), adapter.listTasks(LIST, ctx)]);
    const login = sent().filter((r) => r.path.endsWith('/access/ticket'));
    expect(login).toHaveLength(1);
    expect(login[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(login[0]!.body))).toEqual({ username: PROXMOX_USER, password: PROXMOX_PASSWORD });
    const reads = sent().filter((r) => r.method === 'GET');
    expect(reads.every((r) => /^PVEAuthCookie=PVE%3Aroot%40pam%3A[0-9A-F]{8}%3A%3A/.test(String(r.headers.cookie)))).toBe(true);
    expect(reads.every((r) => r.headers.csrfpreventiontoken === undefined)).toBe(true);
    const task = f.sim.world.create({ operation: 'vzdump', tenant: 'pve3', plan: { queuedMs: 0, runMs: 600_000 } });
    f.mark();
    expect(await adapter.cancelTask!(f.sim.upidOf(task), ctx)).toMatchObject({ ok: true });
    expect(sent().find((r) => r.method === 'DELETE')!.headers.csrfpreventiontoken).toMatch(/^[0-9A-F]{8}:/);
  });

  it('renews an expired ticket once and carries on', async () => {
    const adapter = f.adapter();
    await adapter.listTasks(LIST, ctx);
    f.sim.expireSessions();
    f.mark();
    const pages = await Promise.all(Array.from({ length: 5 }, () => adapter.listTasks(LIST, ctx)));
    expect(pages.every((p) => p.tasks.length > 0)).toBe(true);
    expect(f.requests().filter((r) => r.includes('/access/ticket'))).toHaveLength(1);
  });

  it('says a wrong password is an auth failure, without the password', async () => {
    const err = await f.adapter({ password: 'not-the-password-77' }).listTasks(LIST, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED' });
    expect((err as Error).message).toContain('check username (user@realm) and password');
    expect((err as Error).message).not.toContain('not-the-password-77');
  });

  it('renews a ticket after an hour without waiting for a refusal', async () => {
    let now = 1_000_000;
    const transport = createTransport({ backend: 'pve', baseUrl: `${f.sim.server.url}/api2/json`, timeoutMs: 2000 });
    const session = createSession('pve', transport, { kind: 'ticket', username: PROXMOX_USER, password: new Secret(PROXMOX_PASSWORD) }, () => now);
    try {
      const first = await session.credentials(ctx);
      expect(await session.credentials(ctx)).toBe(first);
      now += TICKET_RENEW_MS;
      const renewed = await session.credentials(ctx);
      expect(renewed).not.toBe(first);
      expect(renewed.headers('GET').Cookie).not.toBe(first.headers('GET').Cookie);
    } finally {
      transport.close();
    }
  });
});

describe('a second factor', () => {
  it('is refused with the way out: an API token', async () => {
    const transport: Transport = {
      origin: 'https://pve.example.com:8006',
      close() {},
      clearCookies() {},
      async request(_req: HttpRequest): Promise<HttpResponse> {
        const body = Buffer.from(JSON.stringify({ data: { ticket: 'PVE:!tfa!x:68BF3A41::c2ln', CSRFPreventionToken: '68BF3A41:c2ln', username: 'root@pam', NeedTFA: 1 } }));
        return { status: 200, headers: {}, body, text: () => body.toString() };
      },
    };
    const session = createSession('pve', transport, { kind: 'ticket', username: 'root@pam', password: new Secret('pw') });
    await expect(session.credentials(ctx)).rejects.toMatchObject({ code: 'BACKEND_AUTH_FAILED', message: expect.stringContaining('use an API token') });
  });
});

describe('configuration', () => {
  const base = { name: 'pve1', type: 'proxmox', url: 'https://pve.example.com:8006' };
  const issues = (config: Record<string, unknown>) => {
    const result = proxmoxConfigSchema.safeParse({ ...base, ...config });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes the documented token and user forms', () => {
    expect(issues({ tokenId: 'root@pam!taskgraph', tokenSecret: 's' })).toEqual([]);
    expect(issues({ username: 'root@pam', password: 'p', tls: { caFile: '/etc/pve/pve-root-ca.pem' } })).toEqual([]);
  });

  it('names the field and the fix', () => {
    expect(issues({})).toEqual(['tokenId: set an API token (tokenId, tokenSecret) or a user (username, password)']);
    expect(issues({ tokenId: 'root@pam!tg', tokenSecret: 's', username: 'root@pam', password: 'p' })).toEqual(['tokenId: use an API token (tokenId, tokenSecret) or a user (username, password), not both']);
    expect(issues({ tokenId: 'root@pam!tg' })).toEqual(['tokenSecret: set tokenSecret or tokenSecretFile (one of them)']);
    expect(issues({ tokenId: 'taskgraph', tokenSecret: 's' })[0]).toBe('tokenId: an API token id such as root@pam!taskgraph (user@realm!tokenname)');
    expect(issues({ username: 'root', password: 'p' })[0]).toBe('username: a user id with its realm, such as root@pam or ops@pve');
    expect(issues({ username: 'root@pam', password: 'p', apiKey: 'k' })).toEqual(['apiKey: not a Proxmox setting: use tokenId and tokenSecret, or username and password']);
  });

  it('reads the token secret from a file', async () => {
    const f = await startFixture();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'tg-pve-'));
      writeFileSync(join(dir, 'token'), `${PROXMOX_TOKEN_SECRET}\n`);
      const adapter = f.adapter({ tokenSecret: undefined, tokenSecretFile: join(dir, 'token') }, true);
      expect((await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx)).hasMore).toBe(false);
    } finally {
      await f.close();
    }
  });
});
