/**
 * The same phases of a request, timed the same way in any server process (the gateway and the
 * floors) from Node's HTTP diagnostics channels, for requests sent one at a time: arrival ->
 * the first upstream request written to its socket (`http.client.request.start`, which Node
 * publishes when the request is finished), -> the last upstream answer read to its end, ->
 * the response's last byte written.
 */
import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import { median, round } from './stats.js';

interface Sample {
  arrived: number;
  requested: number[];
  answered: number[];
}

export interface HttpPhases {
  /** Starts recording (one connection only: requests must not overlap). */
  record(): void;
  /** Medians (ms) of the requests recorded since `record`, and stops recording. */
  take(): Record<string, number>;
}

export function httpPhases(): HttpPhases {
  let samples: Array<Sample & { finished: number }> | null = null;
  let current: Sample | null = null;
  dc.subscribe('http.server.request.start', () => {
    if (samples) current = { arrived: performance.now(), requested: [], answered: [] };
  });
  dc.subscribe('http.client.request.start', (message) => {
    const sample = current;
    if (!sample) return;
    sample.requested.push(performance.now());
    const { request } = message as { request: http.ClientRequest };
    request.once('response', (res: http.IncomingMessage) => res.once('end', () => sample.answered.push(performance.now())));
  });
  dc.subscribe('http.server.response.finish', () => {
    if (samples && current?.answered.length && current.answered.length === current.requested.length) samples.push({ ...current, finished: performance.now() });
    current = null;
  });
  return {
    record() {
      samples = [];
    },
    take() {
      const taken = samples ?? [];
      samples = null;
      const of = (f: (s: Sample & { finished: number }) => number) => round(median(taken.map(f)), 2);
      const lastAnswer = (s: Sample) => Math.max(...s.answered);
      return {
        requests: taken.length,
        beforeUpstream: of((s) => s.requested[0]! - s.arrived),
        upstream: of((s) => lastAnswer(s) - s.requested[0]!),
        afterUpstream: of((s) => s.finished - lastAnswer(s)),
        total: of((s) => s.finished - s.arrived),
      };
    },
  };
}
