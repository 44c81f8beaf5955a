/**
 * watch(): PropertyCollector filter + WaitForUpdatesEx against taskgraph's vim25 simulator on a
 * manual clock (vcsim's watch is covered in vcsim.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskChange, WatchHandle } from '../../src/adapters/contract.js';
import { eventually } from './vcsim.js';
import { faultBody, populate, startFixture, type Fixture } from './harness.js';

describe('watch', () => {
  let f: Fixture;
  let changes: TaskChange[];
  let errors: Error[];
  let handle: WatchHandle | undefined;

  beforeEach(async () => {
    f = await startFixture();
    populate(f, 4);
    changes = [];
    errors = [];
    handle = await f.adapter.watch!((c) => changes.push(c), (e) => errors.push(e));
  });
  afterEach(async () => {
    await handle?.close();
    await f.close();
  });

  const statusesOf = (key: string) => changes.filter((c) => c.task.nativeId === key).map((c) => c.task.status);

  it('reports new tasks and their changes, not the tasks that existed before', async () => {
    // watch() resolves after the initial snapshot: had it been reported, it would be here.
    expect(changes).toEqual([]);
    const task = f.sim.world.create({ operation: 'VirtualMachine.powerOn', plan: { queuedMs: 500, runMs: 2000, outcome: 'succeeded' } });
    const key = `task-${task.seq}`;
    await eventually(() => (statusesOf(key).includes('QUEUED') ? true : undefined), 5000, 'QUEUED');
    f.clock.advance(1000);
    await eventually(() => (statusesOf(key).includes('RUNNING') ? true : undefined), 5000, 'RUNNING');
    f.clock.advance(5000);
    await eventually(() => (statusesOf(key).includes('SUCCEEDED') ? true : undefined), 5000, 'SUCCEEDED');
    expect(errors).toEqual([]);
  });

  it('survives session expiry: re-creates the filter and reports what changed meanwhile, without onError', async () => {
    const task = f.sim.world.create({ operation: 'VirtualMachine.clone', plan: { queuedMs: 100, runMs: 60_000 } });
    const key = `task-${task.seq}`;
    await eventually(() => (statusesOf(key).length ? true : undefined), 5000, 'first change');
    f.sim.expireSessions();
    f.sim.world.cancel(task.id);
    await eventually(() => (statusesOf(key).includes('CANCELING') ? true : undefined), 5000, 'CANCELING after re-login');
    expect(f.count('Login')).toBe(2);
    expect(f.count('CreateFilter')).toBe(2);
    expect(errors).toEqual([]);
  });

  it('reads the whole TaskInfo when the server sends a partial change (info.state, as vCenter 5.0 did)', async () => {
    const task = f.sim.world.create({ operation: 'VirtualMachine.powerOff', plan: { queuedMs: 0, runMs: 1 } });
    f.clock.advance(5);
    const key = `task-${task.seq}`;
    const partial =
      '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
      `<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>77</version><filterSet><filter type="PropertyFilter">x</filter><objectSet><kind>modify</kind><obj type="Task">${key}</obj>` +
      '<changeSet><name>info.state</name><op>assign</op><val xsi:type="TaskInfoState">success</val></changeSet></objectSet></filterSet></returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>';
    f.recorder.failOnce('WaitForUpdatesEx', partial, 200);
    f.sim.world.create({ operation: 'VirtualMachine.powerOn' }); // ends the pending wait
    await eventually(() => (statusesOf(key).includes('SUCCEEDED') ? true : undefined), 5000, 'refetched task');
    expect(changes.find((c) => c.task.nativeId === key)!.task).toMatchObject({ operation: 'VirtualMachine.powerOff', completedAt: expect.any(Date) });
  });

  it('reports other failures to onError and keeps going', async () => {
    f.recorder.failOnce('WaitForUpdatesEx', faultBody('SystemError', 'A general system error occurred: vpxd restarting'));
    f.sim.world.create({ operation: 'VirtualMachine.powerOn' });
    await eventually(() => (errors.length ? true : undefined), 5000, 'onError');
    expect(errors[0]).toMatchObject({ code: 'BACKEND_ERROR', vendorCode: 'SystemError', backend: 'sim' });
    const later = f.sim.world.create({ operation: 'VirtualMachine.powerOff' });
    await eventually(() => (statusesOf(`task-${later.seq}`).length ? true : undefined), 5000, 'changes after the failure');
  });

  it('close() stops the loop at once and destroys the filter and its collector', async () => {
    const started = Date.now();
    await handle!.close();
    handle = undefined;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(f.count('DestroyPropertyFilter')).toBe(1);
    expect(f.count('DestroyPropertyCollector')).toBe(1);
    const waits = f.count('WaitForUpdatesEx');
    f.sim.world.create({ operation: 'VirtualMachine.powerOn' });
    await new Promise((r) => setTimeout(r, 200));
    expect(f.count('WaitForUpdatesEx')).toBe(waits);
  });
});
