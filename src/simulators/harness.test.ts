/**
 * The simulator shell's latency is the backend's time to answer counted from arrival, with the
 * answer built meanwhile (a benchmark's backends share the machine's cores with the gateway;
 * their CPU must not lengthen the latency), and faults drawn at arrival still take effect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatorServer, type SimulatorServer } from './harness.js';

describe('simulator latency', () => {
  const LATENCY = 400;
  let server: SimulatorServer;
  let handledAt: number[] = [];

  beforeAll(async () => {
    server = await startSimulatorServer({
      handler: () => {
        handledAt.push(performance.now());
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'answer', route: 'get' };
      },
      errorBody: (status) => ({ contentType: 'text/plain', body: `failed ${status}` }),
      malformedBody: { contentType: 'application/json', body: '{"data": [' },
    });
    server.setFaults({ latencyMs: LATENCY });
  });
  afterAll(() => server.close());

  async function timed(): Promise<{ status: number; body: string; sentAt: number; answeredAt: number }> {
    const sentAt = performance.now();
    const res = await fetch(`${server.url}/x`);
    const body = await res.text();
    return { status: res.status, body, sentAt, answeredAt: performance.now() };
  }

  it('builds the answer at arrival and sends it when the latency is over', async () => {
    handledAt = [];
    const { status, body, sentAt, answeredAt } = await timed();
    expect([status, body]).toEqual([200, 'answer']);
    expect(handledAt).toHaveLength(1);
    // Built long before the latency was over (it used to be built after it)...
    expect(handledAt[0]! - sentAt).toBeLessThan(LATENCY / 2);
    // ...and not sent before it (timers may fire up to a millisecond early).
    expect(answeredAt - sentAt).toBeGreaterThanOrEqual(LATENCY - 2);
    expect(server.counts.get('get')).toBe(1);
  });

  it('draws a fault at arrival: it takes effect after the latency, and the handler never runs for it', async () => {
    handledAt = [];
    server.setFaults({ failNext: 1, failStatus: 503 });
    const failed = await timed();
    expect([failed.status, failed.body]).toEqual([503, 'failed 503']);
    expect(failed.answeredAt - failed.sentAt).toBeGreaterThanOrEqual(LATENCY - 2);
    expect(handledAt).toHaveLength(0);
    const next = await timed();
    expect([next.status, next.body]).toEqual([200, 'answer']);
  });
});
