/**
 * The SSE stream registry: the bound per caller counts streams and reservations, a
 * reservation nobody connects to expires (with its operations), and a connected one does not.
 */
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../security/principal.js';
import { waitFor } from '../../test/support/gateway.js';
import { SseStreams } from './sse-streams.js';

const alice = { ...ANONYMOUS, id: 'alice' };
const bob = { ...ANONYMOUS, id: 'bob' };

describe('SseStreams', () => {
  it('bounds streams plus reservations per caller, and frees them on release', () => {
    const streams = new SseStreams({ maxStreamsPerPrincipal: 2, maxOperationsPerStream: 1, reservationTtlMs: 60_000 }, () => {});
    const release = streams.hold(alice);
    const reservation = streams.reserve('t1', alice);
    expect(streams.admit(alice)).toMatch(/maxStreamsPerPrincipal \(2\)/);
    expect(streams.admit(bob)).toBeNull();
    expect(streams.addOperation(reservation)).toBeNull();
    expect(streams.addOperation(reservation)).toMatch(/maxOperationsPerStream \(1\)/);
    release();
    release(); // once only
    expect(streams.admit(alice)).toBeNull();
    streams.release('t1');
    expect(reservation.closed.signal.aborted).toBe(true);
    expect(streams.reservation('t1')).toBeUndefined();
  });

  it('expires a reservation no stream connected to, and not a connected one', async () => {
    const expired: string[] = [];
    const streams = new SseStreams({ maxStreamsPerPrincipal: 5, maxOperationsPerStream: 5, reservationTtlMs: 20 }, (token) => {
      expired.push(token);
      streams.release(token);
    });
    streams.reserve('idle', alice);
    streams.connected(streams.reserve('busy', alice));
    await waitFor(() => expired.length === 1, 'the idle reservation expired');
    expect(expired).toEqual(['idle']);
    expect(streams.reservation('busy')).toBeDefined();
    expect(streams.admit({ ...alice })).toBeNull();
  });
});
