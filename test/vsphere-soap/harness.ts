/**
 * Test fixture: taskgraph's vim25 simulator on a manual clock, a recording proxy in front of
 * it, and an adapter pointed at the proxy.
 */
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { vsphereSoapAdapter } from '../../src/adapters/vsphere-soap/index.js';
import { startVsphereSoapSimulator, type VsphereSoapSimulator, type VsphereSoapSimulatorOptions } from '../../src/simulators/vsphere-soap/index.js';
import { startRecorder, type Recorder } from './recorder.js';

export interface Fixture {
  sim: VsphereSoapSimulator;
  recorder: Recorder;
  adapter: TaskAdapter;
  clock: { now: number; advance(ms: number): void };
  /** Requests of one vim method seen since the fixture started. */
  count(method: string): number;
  close(): Promise<void>;
}

export async function startFixture(simOptions: VsphereSoapSimulatorOptions = {}, config: Record<string, unknown> = {}): Promise<Fixture> {
  const clock = {
    now: Date.parse('2026-03-01T10:00:00.000Z'),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const sim = await startVsphereSoapSimulator({ spawnEveryMs: 0, seed: 11, now: () => clock.now, ...simOptions });
  const recorder = await startRecorder(sim.server.url);
  const adapter = vsphereSoapAdapter.create(
    vsphereSoapAdapter.configSchema.parse({ ...sim.backendConfig('sim'), url: `${recorder.url}/sdk`, watchWaitSeconds: 2, ...config }),
  );
  return {
    sim,
    recorder,
    adapter,
    clock,
    count: (method) => recorder.calls(method).length,
    async close() {
      await adapter.close();
      await recorder.close();
      await sim.close();
    },
  };
}

/** Spawns `n` catalog tasks a second apart, then lets them run a while. */
export function populate(f: Fixture, n: number): void {
  for (let i = 0; i < n; i++) {
    f.sim.world.spawn();
    f.clock.advance(1000);
  }
  f.clock.advance(3000);
}

/** A SOAP fault body, as vim sends it. */
export function faultBody(type: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ' +
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>' +
    `<faultstring>${message}</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}"></${type}Fault></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
