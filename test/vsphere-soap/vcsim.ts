/**
 * Runs VMware's vcsim (built by scripts/vcsim/build.sh into .vcsim/vcsim) on a loopback port for
 * the integration tests, and a raw vim client to drive it (make tasks, end sessions).
 * Without the binary the tests skip with a printed reason; with TASKGRAPH_REQUIRE_PEERS=1 they fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallContext } from '../../src/adapters/contract.js';
import { VimClient } from '../../src/adapters/vsphere-soap/client.js';
import { el, node, ref, returnvals, type MoRef } from '../../src/adapters/vsphere-soap/soap.js';
import { Secret } from '../../src/model/secret.js';
import { findProgram } from '../support/peers.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The vcsim binary, or null (after printing why) when it was not built. */
export function vcsimBinary(): string | null {
  const found = findProgram('vcsim', [resolve(ROOT, '.vcsim/vcsim')]);
  if (!found) {
    console.warn('vsphere-soap vcsim tests skipped: .vcsim/vcsim is missing; build it with scripts/vcsim/build.sh (needs: apt-get install -y golang-go golang-github-vmware-govmomi-dev)');
  }
  return found;
}

export interface Vcsim {
  /** e.g. http://127.0.0.1:40123/sdk */
  url: string;
  username: string;
  password: string;
  close(): Promise<void>;
}

/** Starts vcsim on 127.0.0.1, port 0, accepting only the given credentials. */
export async function startVcsim(binary: string, username = 'tg-user', password = 'tg-Pass-1'): Promise<Vcsim> {
  const child: ChildProcess = spawn(binary, ['-listen', '127.0.0.1:0', '-username', username, '-password', password], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`vcsim did not start within 30 s: ${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /VCSIM_URL=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
    child.stderr!.resume();
    child.on('exit', (code) => fail(new Error(`vcsim exited with ${code} before printing its URL`)));
  });
  return {
    url,
    username,
    password,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

const ctx: CallContext = { requestId: 'vcsim-driver' };

/** A second, independent vim client: makes tasks and ends other sessions, as another user would. */
export function vimDriver(sim: Vcsim) {
  const client = new VimClient({
    backend: 'driver',
    baseUrl: sim.url.replace(/\/sdk$/, ''),
    apiVersion: '7.0',
    username: sim.username,
    password: new Secret(sim.password),
    timeoutMs: 10_000,
  });
  return {
    client,
    /** The VirtualMachine morefs under the root folder. */
    async vms(): Promise<MoRef[]> {
      return client.run(ctx, async (s) => {
        const view = await client.call(s, 'CreateContainerView', { type: 'ViewManager', value: 'ViewManager' }, [
          ref('container', s.content.rootFolder),
          el('type', 'VirtualMachine'),
          el('recursive', true),
        ], ctx);
        const viewRef = { type: 'ContainerView', value: returnvals(view)[0]!.text.trim() };
        const spec = node('specSet', [node('propSet', [el('type', 'ContainerView'), el('pathSet', 'view')]), node('objectSet', [ref('obj', viewRef)])]);
        const [content] = await client.retrieve(s, spec, 100, ctx);
        return (content?.props.get('view')?.children ?? []).map((c) => ({ type: 'VirtualMachine', value: c.text.trim() }));
      });
    },
    /** Calls a `*_Task` method on an object and returns the task key. */
    async task(method: string, obj: MoRef): Promise<string> {
      return client.run(ctx, async (s) => returnvals(await client.call(s, method, obj, [], ctx))[0]!.text.trim());
    },
    /** Session keys other than the driver's own (SessionManager.sessionList). */
    async otherSessions(): Promise<string[]> {
      return client.run(ctx, async (s) => {
        const spec = node('specSet', [
          node('propSet', [el('type', 'SessionManager'), el('pathSet', 'sessionList'), el('pathSet', 'currentSession')]),
          node('objectSet', [ref('obj', s.content.sessionManager)]),
        ]);
        const [content] = await client.retrieve(s, spec, 100, ctx);
        const own = content?.props.get('currentSession')?.children.find((c) => c.name === 'key')?.text;
        const all = (content?.props.get('sessionList')?.children ?? []).map((u) => u.children.find((c) => c.name === 'key')!.text);
        return all.filter((key) => key !== own);
      });
    },
    /** SessionManager.TerminateSession for the given keys. */
    async terminate(keys: string[]): Promise<void> {
      await client.run(ctx, (s) => client.call(s, 'TerminateSession', s.content.sessionManager, keys.map((k) => el('sessionId', k)), ctx));
    },
    close: () => client.close(),
  };
}

/** Polls `check` until it returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
