/**
 * The transport on got: which requests are retried (reads, within the call's budget, never a
 * mutation), Retry-After, the response size cap, the cookie jar, and errors without secrets.
 * Against a local server whose answers each test scripts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from './errors.js';
import { createTransport, type HttpRequest, type Transport } from './http.js';
import { setCallBudget } from './retry.js';

interface Seen {
  method: string;
  url: string;
  cookie: string | undefined;
  at: number;
}

type Reply = (res: http.ServerResponse, req: http.IncomingMessage) => void;

describe('transport on got', () => {
  let server: http.Server;
  let url: string;
  const seen: Seen[] = [];
  let replies: Reply[] = [];
  const ok: Reply = (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, cookie: req.headers.cookie, at: performance.now() });
        (replies.shift() ?? ok)(res, req);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    replies = [];
  });

  const status =
    (code: number, headers: Record<string, string> = {}): Reply =>
    (res) =>
      res.writeHead(code, headers).end(`HTTP ${code}`);
  const reset: Reply = (res) => res.socket?.destroy();

  /** A transport and a call signal with a budget, as the guard gives each call. */
  function setup(options: { budgetMs?: number; attempts?: number; maxBodyBytes?: number; cookies?: boolean } = {}) {
    const transport = createTransport({ backend: 'b', baseUrl: url, timeoutMs: 5000, maxBodyBytes: options.maxBodyBytes, cookies: options.cookies });
    const call = new AbortController();
    setCallBudget(call.signal, {
      deadline: performance.now() + (options.budgetMs ?? 5000),
      retry: { attempts: options.attempts ?? 3, baseDelayMs: 5, maxDelayMs: 10 },
      random: () => 0.5,
    });
    const send = (req: Partial<HttpRequest> = {}) => transport.request({ method: 'GET', path: '/r', operation: 'read', signal: call.signal, ...req });
    return { transport, send };
  }

  let transport: Transport | undefined;
  afterAll(() => transport?.close());

  it('retries a GET through 503s and reset connections, up to the attempts of the policy', async () => {
    const t = setup();
    transport = t.transport;
    replies = [status(503), reset];
    expect((await t.send()).status).toBe(200);
    expect(seen).toHaveLength(3);

    seen.length = 0;
    replies = [status(503), status(502), status(504), ok];
    expect((await t.send()).status).toBe(504); // the last attempt's answer, for the adapter to read
    expect(seen).toHaveLength(3);
    t.transport.close();
  });

  it('never retries a POST, unless the adapter marks it idempotent (a read sent as POST)', async () => {
    const t = setup();
    replies = [status(503), ok];
    expect((await t.send({ method: 'POST', body: '<CancelTask/>' })).status).toBe(503);
    expect(seen).toHaveLength(1);

    seen.length = 0;
    replies = [status(503), ok];
    expect((await t.send({ method: 'POST', body: '<RetrievePropertiesEx/>', idempotent: true })).status).toBe(200);
    expect(seen).toHaveLength(2);
    t.transport.close();
  });

  it('does not retry other failures, nor outside a guarded call', async () => {
    const t = setup();
    replies = [status(500), ok];
    expect((await t.send()).status).toBe(500);
    replies = [status(401), ok];
    expect((await t.send()).status).toBe(401);
    expect(seen).toHaveLength(2);

    seen.length = 0;
    replies = [status(503), ok];
    expect((await t.send({ signal: undefined })).status).toBe(503);
    expect(seen).toHaveLength(1);
    t.transport.close();
  });

  it('waits out a Retry-After within the budget, and answers at once when it lies beyond', async () => {
    const t = setup({ budgetMs: 5000 });
    replies = [status(429, { 'retry-after': '1' }), ok];
    expect((await t.send()).status).toBe(200);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950); // never sooner than asked

    seen.length = 0;
    const later = new Date(Date.now() + 60_000).toUTCString(); // an HTTP-date, a minute away
    replies = [status(503, { 'retry-after': later }), ok];
    expect((await t.send()).status).toBe(503);
    expect(seen).toHaveLength(1);
    t.transport.close();
  });

  it('stops reading a body over the cap, announced or not', async () => {
    const t = setup({ maxBodyBytes: 1000 });
    replies = [(res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000))];
    const announced = await t.send().catch((e: unknown) => e);
    expect(announced).toBeInstanceOf(BackendError);
    expect(announced).toMatchObject({ code: 'BACKEND_BAD_RESPONSE', message: 'b: read failed: response larger than 1000 bytes' });
    replies = [
      (res) => {
        res.writeHead(200); // chunked: no length announced
        for (let i = 0; i < 10; i++) res.write('y'.repeat(500));
        res.end();
      },
    ];
    await expect(t.send()).rejects.toMatchObject({ code: 'BACKEND_BAD_RESPONSE', message: 'b: read failed: response larger than 1000 bytes' });
    t.transport.close();
  });

  it('keeps every cookie the backend sets and sends them all back; a request may go without', async () => {
    const t = setup({ cookies: true });
    replies = [
      (res) => res.writeHead(200, { 'set-cookie': ['NTNX_IGW_SESSION=s1; Path=/; HttpOnly', 'route=a; Path=/'] }).end(),
      (res) => res.writeHead(200, { 'set-cookie': 'NTNX_IGW_SESSION=s2; Path=/; HttpOnly' }).end(),
    ];
    await t.send();
    await t.send();
    await t.send();
    // The second answer renewed one cookie; the other is still sent (not replaced by the last Set-Cookie).
    expect(seen.map((s) => s.cookie)).toEqual([undefined, 'NTNX_IGW_SESSION=s1; route=a', 'NTNX_IGW_SESSION=s2; route=a']);
    replies = [(res) => res.writeHead(200, { 'set-cookie': 'NTNX_IGW_SESSION=s3; Path=/' }).end()];
    await t.send({ withoutCookies: true });
    await t.send();
    expect(seen.slice(3).map((s) => s.cookie)).toEqual([undefined, 'NTNX_IGW_SESSION=s3; route=a']);
    t.transport.clearCookies();
    await t.send();
    expect(seen[5]!.cookie).toBeUndefined();
    t.transport.close();
  });

  it('names backend, operation and cause in errors, never a credential', async () => {
    const t = setup();
    replies = [reset, reset, reset];
    const err = await t.send({ headers: { Authorization: 'Basic c2VjcmV0OnNlY3JldA==', 'x-ntnx-api-key': 'key-123' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: 'b: read failed: ECONNRESET' });
    const everything = JSON.stringify(err) + String((err as Error).stack) + String((err as Error).cause ?? '');
    expect(everything).not.toMatch(/c2VjcmV0|key-123/);
    t.transport.close();
  });
});
