/**
 * Helpers for the security tests: JWT signing (node:crypto, as an identity provider would),
 * API key config entries, and raw graphql-ws handshakes that report the close code.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { hashApiKey } from '../../src/security/api-keys.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export type SigningKey = { alg: 'HS256'; secret: string } | { alg: 'RS256' | 'ES256'; key: KeyObject };

/** A compact JWS with the given claims (and header overrides). */
export function signJwt(signer: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: signer.alg, typ: 'JWT', ...header });
  const body = b64(claims);
  const input = `${head}.${body}`;
  let signature: Buffer;
  if (signer.alg === 'HS256') signature = createHmac('sha256', signer.secret).update(input).digest();
  else if (signer.alg === 'RS256') signature = sign('sha256', Buffer.from(input), signer.key);
  else signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function rsaKeys() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export function ecKeys() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** A fresh temporary directory for key files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tg-security-'));
}

export function writeFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'taskgraph';

/** Standard claims valid now (seconds), plus `extra`. */
export function claims(extra: Record<string, unknown> = {}, now = Date.now()): Record<string, unknown> {
  const t = Math.floor(now / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: t, exp: t + 300, ...extra };
}

/** A shared HS256 secret, and the `auth` config that verifies its tokens with no clock skew (expiry tests). */
export const HS256_SECRET = 'a-shared-secret-of-at-least-32-characters!';
export const HS256_AUTH = { mode: 'jwt', jwt: { algorithms: ['HS256'], secret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 0 } };

/** JWT claims granting every backend and every Prism cluster. */
export const EVERY_BACKEND = { taskgraph_backends: ['*'], taskgraph_prism_clusters: ['*'] };

/** `Bearer <token>` of HS256_SECRET granting EVERY_BACKEND, expiring at `exp` (seconds) when given. */
export function everyBackendBearer(exp?: number): string {
  return `Bearer ${signJwt({ alg: 'HS256', secret: HS256_SECRET }, claims({ ...EVERY_BACKEND, ...(exp === undefined ? {} : { exp }) }))}`;
}

/** A Prism simulator behind a gateway that verifies HS256_AUTH tokens and polls every 50 ms: credentials expiring under a stream. */
export async function startHs256Gateway(): Promise<{ sim: PrismSimulator; gw: GatewayServer; stop(): Promise<void> }> {
  const sim = await startPrismSimulator({ seed: 8 });
  sim.world.backfill(4);
  const gw = await startTestGateway([sim.backendConfig('pc')], { subscriptions: { pollFastMs: 50, pollIdleMs: 50 }, auth: HS256_AUTH });
  return {
    sim,
    gw,
    stop: async () => {
      await gw.stop();
      await sim.close();
    },
  };
}

/** A config entry for a key (only its hash is stored). */
export function apiKeyEntry(name: string, key: string, scope: Record<string, unknown>): Record<string, unknown> {
  return { name, hash: hashApiKey(key), ...scope };
}

export type Handshake = { acked: true; socket: WebSocket } | { acked: false; code: number; reason: string };

/** Opens a graphql-ws connection, sends connection_init with `payload`, reports ack or close. */
export function handshake(url: string, payload?: Record<string, unknown>): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const timer = setTimeout(() => reject(new Error('no ack and no close within 10 s')), 10_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        resolve({ acked: true, socket });
      }
    });
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ acked: false, code, reason: String(reason) });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Sends one subscribe on an acked socket and collects messages until complete/error or `until` says stop. */
export function subscribeOnce(
  socket: WebSocket,
  query: string,
  variables: Record<string, unknown> = {},
  until: (messages: any[]) => boolean = () => false,
): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const id = Math.random().toString(36).slice(2);
    const messages: any[] = [];
    const timer = setTimeout(() => reject(new Error(`subscription ${query} got no end: ${JSON.stringify(messages)}`)), 10_000);
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data));
      if (message.id !== id) return;
      messages.push(message);
      if (message.type === 'complete' || message.type === 'error' || until(messages)) {
        clearTimeout(timer);
        socket.off('message', onMessage);
        if (message.type === 'next') socket.send(JSON.stringify({ id, type: 'complete' }));
        resolve(messages);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  });
}

/** POSTs with headers; returns status, headers and parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, body: json, text };
}
