/**
 * A bare node:http server that answers every request with a fixed body and times its own
 * `res.end`: what one write to a client costs this machine, with no gateway around it. The
 * gateway-overhead benchmark asks it one request at a time, after a pause (the client process
 * asleep when the answer is written, as with one connection at 20 ms latency) and back to
 * back (the client still awake).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveCalls } from '../lib/ipc.js';
import { median, round } from '../lib/stats.js';

let body = Buffer.alloc(0);
let ends: number[] = [];

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    const started = performance.now();
    res.end(body);
    ends.push(performance.now() - started);
  });
});

serveCalls({
  async start(): Promise<{ url: string }> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  },
  /** Answers with `bytes` bytes from now on, and forgets the timings so far. */
  answerWith(bytes: number): void {
    body = Buffer.alloc(bytes, 'x');
    ends = [];
  },
  /** Median `res.end` duration (ms) since `answerWith`. */
  medianEnd(): number {
    return round(median(ends), 3);
  },
});
