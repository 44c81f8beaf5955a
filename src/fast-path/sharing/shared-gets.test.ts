/**
 * Shared upstream GETs (shared-gets.ts around the transport): identical GETs in flight share
 * one upstream request; anything that can change the answer (URL, credentials, method) keeps
 * them apart; one caller giving up never fails the others; `shareInFlight: false` sends each.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../adapters/errors.js';
import { createTransport, type Transport } from '../../adapters/http.js';
import { waitFor } from '../../../test/support/gateway.js';

describe('transport GET coalescing', () => {
  let server: http.Server;
  let transport: Transport;
  let baseUrl: string;
  /** Requests whose connection closed before they were answered. */
  let cut = 0;
  const seen: Array<{ method: string; url: string; auth: string }> = [];
  let release: () => void = () => {};
  let gate = Promise.resolve();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.on('close', () => {
        if (!res.writableEnded) cut++;
      });
      seen.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization ?? '') });
      void gate.then(() => res.end(`${req.method} ${req.url} ${req.headers['x-request-id'] ?? ''}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = createTransport({ backend: 'b', baseUrl, timeoutMs: 5000 });
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
    await waitFor(() => seen.length === 1, 'the shared GET upstream');
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
    await waitFor(() => seen.length === 5, 'five requests upstream');
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
    await waitFor(() => seen.length === 1, 'the shared GET upstream');
    quitter.abort();
    await expect(first).rejects.toBeInstanceOf(BackendError);
    release();
    expect((await second).text()).toBe('GET /slow ');
    expect(seen).toHaveLength(1);
  });

  it('sends every GET when sharing is off (server.shareInFlight: false)', async () => {
    seen.length = 0;
    hold();
    const apart = createTransport({ backend: 'b', baseUrl, timeoutMs: 5000, shareInFlight: false });
    const calls = [1, 2, 3].map(() => apart.request({ method: 'GET', path: '/tasks?x=1', operation: 'list', headers: { authorization: 'a' } }));
    await waitFor(() => seen.length === 3, 'three requests upstream');
    release();
    await Promise.all(calls);
    apart.close();
  });

  it('aborts the shared request once every caller gave up', async () => {
    seen.length = 0;
    cut = 0;
    hold();
    const callers = [new AbortController(), new AbortController()];
    const calls = callers.map((c) => transport.request({ method: 'GET', path: '/abandoned', operation: 'get', signal: c.signal }));
    await waitFor(() => seen.length === 1, 'the shared GET upstream');
    callers[0]!.abort();
    await expect(calls[0]).rejects.toThrow('get failed: aborted');
    expect(cut).toBe(0);
    callers[1]!.abort();
    await expect(calls[1]).rejects.toThrow('get failed: aborted');
    // The upstream request is cut: the server sees its connection closed before it answered.
    await waitFor(() => cut === 1, 'the upstream request cut');
    release();
  });
});
