/**
 * Subscription-layer defects the soak (bench/soak.ts) led to, proven on the hub with an
 * in-memory adapter; these tests guard their fixes in src/subscriptions.
 */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createBackendSet } from '../../src/gateway/backends.js';
import { createHub } from '../../src/subscriptions/hub.js';
import { waitFor } from '../support/gateway.js';
import { memoryAdapter, task } from './support/memory-adapter.js';

const PUSH_WATCH_DOWN = new URL('./support/push-watch-down.ts', import.meta.url).pathname;

describe('subscription findings', () => {
  // Found by the soak (MaxListenersExceededWarning, heap growth): the hub added an abort
  // listener to the connection's signal for every subscription and never removed it, so on a
  // long-lived WebSocket each finished subscription stayed reachable (its queue, context and
  // loaders) until the socket closed. Guards the fix in hub.ts register (removed in onClose).
  it('a finished subscription leaves no listener on its connection signal', async () => {
    const mem = memoryAdapter(false);
    const hub = createHub({ backends: createBackendSet([{ adapter: mem.adapter }]), pollFastMs: 10, pollIdleMs: 10 });
    const connection = new AbortController();
    try {
      for (let i = 0; i < 20; i++) {
        mem.set(task(`t${i}`, 'SUCCEEDED'));
        const updates = await hub.watchTask({ backend: 'mem', nativeId: `t${i}` }, async () => task(`t${i}`, 'SUCCEEDED'), (t) => t.status, connection.signal);
        for await (const status of updates!) expect(status).toBe('SUCCEEDED');
      }
      expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
    } finally {
      await hub.close();
    }
  });

  // Found by the soak (a vsphere-soap subscriber that never saw its terminal state): in push
  // mode the watcher polls, then opens the stream; the stream starts from the backend's state
  // at that moment without reporting it (vim: the first WaitForUpdatesEx primes), so a change
  // between the poll and the stream's start was reported by neither. Guards the fix in
  // watcher.ts connectPush: one more poll once the stream is up.
  it('a change made while the push stream is being set up reaches the subscriber', async () => {
    const mem = memoryAdapter(true);
    const hub = createHub({ backends: createBackendSet([{ adapter: mem.adapter }]), pollFastMs: 10, pollIdleMs: 10 });
    let open: () => void = () => {};
    mem.state.opening = new Promise<void>((r) => (open = r));
    try {
      mem.set(task('t1', 'RUNNING'));
      const updates = await hub.watchTask({ backend: 'mem', nativeId: 't1' }, async () => task('t1', 'RUNNING'), (t) => t.status);
      const seen: string[] = [];
      const reading = (async () => {
        for await (const status of updates!) seen.push(status);
      })();
      await waitFor(() => mem.state.watchCalls >= 1, 'the stream to be opening');
      mem.set(task('t1', 'SUCCEEDED')); // no listener yet: not pushed, as a priming snapshot
      open();
      await waitFor(() => seen.includes('SUCCEEDED'), 'the terminal state', 1000);
      await reading;
    } finally {
      await hub.close();
    }
  });

  // Found by the soak: when a push adapter's first watch() rejected (a vsphere-soap backend
  // down as the first subscriber arrives), the rejection was never handled and Node ended the
  // process (ERR_UNHANDLED_REJECTION): `taskgraph serve` crashed on a subscription; and the
  // watcher never tried again. Guards the fix in watcher.ts (retry with a catch-up poll).
  // In a child process: a crash is the failure mode.
  it.each(['through the backend set', 'raw'])('a push watcher started while its backend is down neither crashes nor stays dead (%s)', (how) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', PUSH_WATCH_DOWN, ...(how === 'raw' ? ['raw'] : [])], { encoding: 'utf8', timeout: 15_000 });
    expect(res.stderr).not.toContain('ERR_UNHANDLED_REJECTION');
    expect(res.stdout).toContain('recovered');
    expect(res.status).toBe(0);
  }, 20_000);
});
