/**
 * A recording proxy in front of a vim endpoint: keeps every request (headers, method, body)
 * and can answer one chosen method with a fault once, so tests can break a listing mid-way, or
 * hold a method's calls, so they can see what waits for their answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  url: string;
  requests: Recorded[];
  /** Answers the next call of `method` with this body instead of forwarding it (HTTP 500 by default: a fault). */
  failOnce(method: string, body: string, status?: number): void;
  calls(method: string): Recorded[];
  /** Forwards calls of `method` (those whose body `matches`) only once the returned function is called. */
  hold(method: string, matches?: (body: string) => boolean): () => void;
  /** Calls of `method` answered so far. */
  answered(method: string): number;
  close(): Promise<void>;
}

export async function startRecorder(target: string): Promise<Recorder> {
  const requests: Recorded[] = [];
  const failures = new Map<string, { body: string; status: number }>();
  const held = new Map<string, { matches: (body: string) => boolean; released: Promise<void> }>();
  const answered = new Map<string, number>();
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = /<soapenv:Body><([A-Za-z_]+)/.exec(body)?.[1] ?? '?';
      requests.push({ method, headers: req.headers, body });
      const fault = failures.get(method);
      if (fault !== undefined) {
        failures.delete(method);
        res.writeHead(fault.status, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(fault.body);
        return;
      }
      const hold = held.get(method);
      void (hold?.matches(body) ? hold.released : Promise.resolve()).then(() => {
        const forward = http.request(
          { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', () => answered.set(method, (answered.get(method) ?? 0) + 1));
          },
        );
        forward.on('error', () => res.destroy());
        res.on('close', () => forward.destroy());
        forward.end(body);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failOnce: (method, body, status = 500) => failures.set(method, { body, status }),
    calls: (method) => requests.filter((r) => r.method === method),
    hold(method, matches = () => true) {
      let release!: () => void;
      held.set(method, { matches, released: new Promise<void>((resolve) => (release = resolve)) });
      return () => {
        held.delete(method);
        release();
      };
    },
    answered: (method) => answered.get(method) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
