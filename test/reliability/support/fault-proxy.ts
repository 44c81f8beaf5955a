/**
 * An HTTP proxy in front of a simulator, for what the simulators' own fault injection cannot
 * do: answers with arbitrary statuses, headers and bodies (Retry-After, hostile payloads,
 * wrong content types), and a backend that dies and comes back on the same port (the
 * listener closes and every connection is cut; `up()` listens on that port again).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface InjectedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** How many requests get this reply (default 1). */
  count?: number;
  /** Only requests this accepts get it (default: all). */
  when?: (req: { method: string; url: string; body: string }) => boolean;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Requests received (forwarded or answered by an injection). */
  requests(): number;
  /** The last requests received (up to 500), oldest first. */
  log(): ReadonlyArray<{ method: string; url: string; body: string }>;
  /** Replies the next matching requests with `reply` instead of forwarding them. */
  inject(reply: InjectedReply): void;
  isUp(): boolean;
  /** The backend dies: the listener closes and open connections are destroyed. */
  down(): Promise<void>;
  /** The backend is back, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, options: { port?: number } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let injections: Array<InjectedReply & { left: number }> = [];
  let received = 0;
  const seen: Array<{ method: string; url: string; body: string }> = [];
  let port = options.port ?? 0;
  let server: http.Server | null = null;

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const body = Buffer.concat(chunks);
      const info = { method: req.method ?? 'GET', url: req.url ?? '/', body: body.toString('utf8') };
      seen.push(info);
      if (seen.length > 500) seen.shift();
      const hit = injections.find((i) => i.left > 0 && (!i.when || i.when(info)));
      if (hit) {
        hit.left--;
        injections = injections.filter((i) => i.left > 0);
        res.writeHead(hit.status, hit.headers);
        res.end(hit.body);
        return;
      }
      const out = http.request(
        { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  }

  async function listen(): Promise<void> {
    const s = http.createServer(handle);
    s.keepAliveTimeout = 30_000;
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = null;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    requests: () => received,
    log: () => seen,
    inject: (reply) => injections.push({ ...reply, left: reply.count ?? 1 }),
    isUp: () => server !== null,
    down: stop,
    up: async () => {
      if (!server) await listen();
    },
    close: async () => {
      await stop();
      agent.destroy();
    },
  };
}
