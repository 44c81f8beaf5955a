/**
 * JWT expiry on open WebSockets (issue 25, defect 4): a connection whose token expires is
 * closed with 4401 at that moment (a timer per connection, cleared on close), and every
 * subscribe checks `exp` first, so an expired token neither receives events nor runs anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/security/authenticate.js';
import { jwtSchema } from '../../src/security/config.js';
import type { GatewayServer } from '../../src/server/http.js';
import { wsAuthenticator } from '../../src/server/plugins/auth.js';
import { waitFor } from '../support/gateway.js';
import { AUDIENCE, claims, everyBackendBearer, EVERY_BACKEND, handshake, HS256_SECRET, ISSUER, signJwt, startHs256Gateway } from './support.js';

describe('expiry of a WebSocket connection', () => {
  let started: Awaited<ReturnType<typeof startHs256Gateway>>;
  let gw: GatewayServer;

  beforeAll(async () => {
    started = await startHs256Gateway();
    ({ gw } = started);
  });
  afterAll(() => started?.stop());

  it('closes the socket with 4401 when the token expires, while its subscription runs', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const ws = await handshake(gw.wsUrl, { authorization: everyBackendBearer(exp) });
    if (!ws.acked) throw new Error(`refused: ${ws.code}`);
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.socket.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
    const messages: any[] = [];
    ws.socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { taskEvents { type } }' } }));
    await waitFor(() => gw.hub.stats().subscribers === 1, 'the subscription registered');
    const { code, reason, at } = await closed;
    expect(code).toBe(4401);
    expect(reason).toBe('Unauthorized: token expired');
    expect(at).toBeGreaterThanOrEqual(exp * 1000);
    await waitFor(() => gw.hub.stats().subscribers === 0, 'the subscription released');
  });

  it('refuses a subscribe once the token has expired, and closes with 4401', async () => {
    let now = Date.now();
    const auth = createAuthenticator({ mode: 'jwt', jwt: jwtSchema.parse({ algorithms: ['HS256'], secret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 5 }) }, () => now);
    const ws = wsAuthenticator(auth, () => now);
    const closes: Array<[number | undefined, string | undefined]> = [];
    const listeners: Array<() => void> = [];
    const ctx = {
      connectionParams: { authorization: `Bearer ${signJwt({ alg: 'HS256', secret: HS256_SECRET }, claims({ ...EVERY_BACKEND, exp: Math.floor(now / 1000) + 60 }, now))}` },
      extra: { socket: { close: (code?: number, reason?: string) => void closes.push([code, reason]), once: (_e: 'close', l: () => void) => void listeners.push(l) } },
    };
    expect(await ws.onConnect(ctx)).toBe(true);
    expect(ws.expired(ctx)).toBe(false);
    now += 64_000;
    expect(ws.expired(ctx)).toBe(false); // within the clock skew
    now += 2_000;
    expect(ws.expired(ctx)).toBe(true);
    expect(closes).toEqual([[4401, 'Unauthorized: token expired']]);
    // The expiry timer goes with the socket.
    for (const l of listeners) l();
  });

  it('keeps a connection with a valid token open and answering', async () => {
    const ws = await handshake(gw.wsUrl, { authorization: everyBackendBearer() });
    if (!ws.acked) throw new Error(`refused: ${ws.code}`);
    const answer = await new Promise<any>((resolve) => {
      ws.socket.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.type === 'next') resolve(m.payload);
      });
      ws.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ backends { name } }' } }));
    });
    expect(answer).toEqual({ data: { backends: [{ name: 'pc' }] } });
    ws.socket.close();
  });
});
