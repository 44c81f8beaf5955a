/**
 * The transport's GET coalescing: identical GETs in flight share one upstream request;
 * anything that can change the answer (URL, credentials, method) keeps them apart, and one
 * caller giving up never fails the others.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from './errors.js';
import { createTransport, type Transport } from './http.js';

describe('transport GET coalescing', () => {
  let server: http.Server;
  let transport: Transport;
  const seen: Array<{ method: string; url: string; auth: string }> = [];
  let release: () => void = () => {};
  let gate = Promise.resolve();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization ?? '') });
      void gate.then(() => res.end(`${req.method} ${req.url} ${req.headers['x-request-id'] ?? ''}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    transport = createTransport({ backend: 'b', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
  });
  afterAll(async () => {
    transport.close();
    await new Promise((r) => server.close(r));
  });

  function hold(): void {
    gate = new Promise<void>((r) => (release = r));
  }

  it('sends identical GETs in flight once, whatever their correlation ids, and answers every caller', async () => {
    seen.length = 0;
    hold();
    const calls = ['1', '2', '3'].map((id) =>
      transport.request({ method: 'GET', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a', 'x-request-id': id } }),
    );
    await new Promise((r) => setTimeout(r, 50));
    release();
    const answers = await Promise.all(calls);
    expect(seen).toHaveLength(1);
    expect(answers.map((a) => a.text())).toEqual(['GET /tasks?x=1 1', 'GET /tasks?x=1 1', 'GET /tasks?x=1 1']);
    // Once answered, nothing is kept: the next GET goes upstream again.
    await transport.request({ method: 'GET', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a' } });
    expect(seen).toHaveLength(2);
  });

  it('keeps other URLs, other credentials and POSTs apart', async () => {
    seen.length = 0;
    hold();
    const calls = [
      transport.request({ method: 'GET', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a' } }),
      transport.request({ method: 'GET', path: '/tasks?x=2', operation: 'list', headers: { authorization: 'a' } }),
      transport.request({ method: 'GET', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'other' } }),
      transport.request({ method: 'POST', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a' }, body: '{}' }),
      transport.request({ method: 'POST', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a' }, body: '{}' }),
    ];
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all(calls);
    expect(seen).toHaveLength(5);
  });

  it('fails only the caller that aborts; the shared request goes on for the others', async () => {
    seen.length = 0;
    hold();
    const quitter = new AbortController();
    const first = transport.request({ method: 'GET', path: '/slow', operation: 'get', signal: quitter.signal });
    const second = transport.request({ method: 'GET', path: '/slow', operation: 'get', signal: new AbortController().signal });
    await new Promise((r) => setTimeout(r, 50));
    quitter.abort();
    await expect(first).rejects.toBeInstanceOf(BackendError);
    release();
    expect((await second).text()).toBe('GET /slow ');
    expect(seen).toHaveLength(1);
  });
});
