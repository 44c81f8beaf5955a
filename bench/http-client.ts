/**
 * What got costs per upstream request, against node:http on the same keep-alive agent: one
 * process, a local server answering a 40 KB JSON body (a Prism page of 50 tasks is about that),
 * 16 requests in flight, CPU time (user + system, client and server together) per request,
 * alternating the clients round by round. docs/performance.md, "The foundation on libraries".
 *
 *   npx tsx bench/http-client.ts          # R=5 rounds, N=3000 requests each
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import got from 'got';
import { CookieJar } from 'tough-cookie';
import { median } from './lib/stats.js';

const body = Buffer.alloc(40_000, 'a');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'NTNX_IAM_SESSION=x; Path=/; HttpOnly' });
  res.end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/prism/v4.0/config/tasks?$limit=50`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const headers = { authorization: 'Basic eDp5', accept: 'application/json' };

const nodeHttp = () =>
  new Promise<Buffer>((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
// As src/adapters/http.ts configures it, without and with the cookie jar.
const client = (cookieJar?: CookieJar) =>
  got.extend({ agent: { http: agent }, responseType: 'buffer', throwHttpErrors: false, followRedirect: false, decompress: false, headers: { 'user-agent': undefined }, cookieJar, retry: { limit: 0 } });
const viaGot = (g: ReturnType<typeof client>) => async () => (await g(url, { headers, timeout: { request: 30_000 }, signal: new AbortController().signal, responseType: 'buffer' })).body;

const clients: Record<string, () => Promise<Buffer>> = { 'node:http': nodeHttp, got: viaGot(client()), 'got + tough-cookie': viaGot(client(new CookieJar())) };
const N = Number(process.env.N ?? 3000);
const perRequest: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
for (const fn of Object.values(clients)) for (let i = 0; i < 300; i++) await fn();
for (let round = 0; round < Number(process.env.R ?? 5); round++) {
  for (const [name, fn] of Object.entries(clients)) {
    const before = process.cpuUsage();
    let sent = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (sent++ < N) await fn();
    }));
    const used = process.cpuUsage(before);
    perRequest[name]!.push((used.user + used.system) / N);
  }
}
for (const [name, values] of Object.entries(perRequest)) console.log(`${name.padEnd(20)} ${median(values).toFixed(0)} µs CPU per request (rounds: ${values.map((v) => v.toFixed(0)).join(' ')})`);
server.close();
agent.destroy();
