/**
 * The HTTP shell every simulator runs in: request counting (tests assert exact upstream
 * request counts), latency, and injected faults (error statuses, malformed bodies, hangs,
 * connection resets). Vendor behaviour lives in each simulator's handler.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { simulatorTls } from './tls.js';

export interface SimRequest {
  method: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Arrival, `performance.now()` of the simulator's process (tests compare requests' timing). */
  receivedAt?: number;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Label the request is counted under, e.g. "list tasks"; defaults to "METHOD path". */
  route?: string;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface Faults {
  /** Time from a request's arrival to its answer (built meanwhile), for every response. */
  latencyMs?: number;
  /** The next N requests get this status (default 503) and a vendor-shaped body from `errorBody`. */
  failNext?: number;
  failStatus?: number;
  /** The next N requests get a truncated, malformed body with status 200. */
  malformedNext?: number;
  /** The next N requests never get an answer (until the server closes). */
  hangNext?: number;
  /** The next N requests have their connection destroyed. */
  resetNext?: number;
  /**
   * The four faults above go only to requests whose path starts with this ('' for any): a test
   * of a backend's list answer must not have it drawn by a read the adapter sends beside it.
   */
  faultPath?: string;
}

export interface SimulatorServer {
  /** `http://host:port`, or `https://…` when started with `tls`. */
  readonly url: string;
  readonly port: number;
  /** Requests served, by route label. */
  readonly counts: Map<string, number>;
  /** Total requests served (faulted ones included). */
  total(): number;
  /** The last requests received (up to 500), oldest first: what actually reached the backend. */
  recent(): readonly SimRequest[];
  resetCounts(): void;
  setFaults(faults: Faults): void;
  /** With `tls`: a PEM file of the certificate's CA (the certificate itself), for `tls.caFile`. */
  readonly caFile?: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  port?: number;
  host?: string;
  handler: SimHandler;
  /** Body for injected failures, in the vendor's error format. */
  errorBody: (status: number) => { contentType: string; body: string };
  /** A body that starts like a valid answer and breaks off. */
  malformedBody: { contentType: string; body: string };
  /** Serve https with a self-signed certificate made at start (see tls.ts). */
  tls?: boolean;
}

export async function startSimulatorServer(options: HarnessOptions): Promise<SimulatorServer> {
  const counts = new Map<string, number>();
  let total = 0;
  const recent: SimRequest[] = [];
  let faults: Required<Faults> = { latencyMs: 0, failNext: 0, failStatus: 503, malformedNext: 0, hangNext: 0, resetNext: 0, faultPath: '' };
  const hanging = new Set<http.ServerResponse>();

  const host = options.host ?? '127.0.0.1';
  const tls = options.tls ? await simulatorTls(host) : undefined;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void serve(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 30_000;

  type Fault = 'reset' | 'hang' | { status: number; contentType: string; body: string };

  function drawFault(path: string): Fault | undefined {
    if (!path.startsWith(faults.faultPath)) return undefined;
    if (faults.resetNext > 0) {
      faults.resetNext--;
      return 'reset';
    }
    if (faults.hangNext > 0) {
      faults.hangNext--;
      return 'hang';
    }
    if (faults.failNext > 0) {
      faults.failNext--;
      return { status: faults.failStatus, ...options.errorBody(faults.failStatus) };
    }
    if (faults.malformedNext > 0) {
      faults.malformedNext--;
      return { status: 200, ...options.malformedBody };
    }
    return undefined;
  }

  async function handle(simReq: SimRequest): Promise<SimResponse> {
    try {
      return await options.handler(simReq);
    } catch (err) {
      return { status: 500, body: String((err as Error).message), route: 'handler error' };
    }
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    total++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const simReq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, receivedAt: performance.now() };
    recent.push(simReq);
    if (recent.length > 500) recent.shift();
    // The latency is the backend's own time to answer, counted from arrival, and the answer is
    // built meanwhile: on a machine the simulator shares with the gateway, its CPU does not
    // lengthen the latency (a real backend's CPU is not the gateway's). Faults are drawn at
    // arrival too and take effect when the latency is over.
    const due = faults.latencyMs > 0 ? new Promise((r) => setTimeout(r, faults.latencyMs)) : undefined;
    const fault = drawFault(simReq.path);
    const answer = fault ? undefined : handle(simReq);
    if (due) await due;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      hanging.add(res);
      return;
    }
    if (fault) {
      res.writeHead(fault.status, { 'content-type': fault.contentType });
      res.end(fault.body);
      return;
    }
    const out = await answer!;
    const route = out.route ?? `${req.method} ${url.pathname}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    caFile: tls?.caFile,
    port,
    counts,
    total: () => total,
    recent: () => recent,
    resetCounts: () => {
      counts.clear();
      recent.length = 0;
      total = 0;
    },
    setFaults: (f) => {
      faults = { ...faults, ...f };
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      tls?.dispose();
    },
  };
}

/** The `tls` part of a backend config entry for a simulator started with `tls` (else nothing). */
export function backendTls(server: SimulatorServer): { tls?: { caFile: string } } {
  return server.caFile ? { tls: { caFile: server.caFile } } : {};
}

/** Sums counts whose label starts with a prefix ("list" counts "list tasks" ...). */
export function countOf(sim: SimulatorServer, prefix: string): number {
  let n = 0;
  for (const [route, c] of sim.counts) if (route.startsWith(prefix)) n += c;
  return n;
}
