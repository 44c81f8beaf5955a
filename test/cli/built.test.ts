/**
 * Which code `taskgraph` runs (bin/built.js, bin/taskgraph.js): the compiled build, and only the
 * build of this version; without one it says to run `npm run build` and exits non-zero. File
 * times play no part.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtModule, BuildMissingError, clearBuild, writeBuildStamp } from '../../bin/built.js';

const BIN = new URL('../../bin/', import.meta.url).pathname;

/** A checkout of `version` with src/server/cli.ts and, optionally, a build stamped with `built`. */
function checkout(version: string, built?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-built-'));
  const file = (path: string, text = '') => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file('package.json', JSON.stringify({ name: 'taskgraph', version, type: 'module' }));
  file('src/server/cli.ts', 'console.log("from the sources")');
  if (built !== undefined) {
    file('dist/server/cli.js', 'console.log("from dist")');
    file('dist/build.json', JSON.stringify({ version: built }));
  }
  cpSync(BIN, join(dir, 'bin'), { recursive: true });
  return { dir, root: pathToFileURL(`${dir}/`), file };
}

/** Runs the checkout's bin/taskgraph.js. */
function run(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [join(dir, 'bin/taskgraph.js')], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('bin/built.js and bin/taskgraph.js', () => {
  it('runs the build of this version, however old its files are', async () => {
    const { dir, root } = checkout('1.2.0', '1.2.0');
    utimesSync(join(dir, 'dist/server/cli.js'), 1000, 1000); // older than every source: no matter
    expect(builtModule('server/cli', root).href).toBe(new URL('dist/server/cli.js', root).href);
    expect(await run(dir)).toEqual({ code: 0, stdout: 'from dist\n', stderr: '' });
  });

  it('without a build, says to run npm run build and exits non-zero (never the sources)', async () => {
    const { dir, root } = checkout('1.2.0');
    expect(() => builtModule('server/cli', root)).toThrow(BuildMissingError);
    const result = await run(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^taskgraph: no compiled build in dist\/ .*run `npm run build`/);
  });

  it('refuses a build of another version, naming both', async () => {
    const { dir } = checkout('1.3.0', '1.2.0');
    const result = await run(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('taskgraph: dist/ was compiled from taskgraph 1.2.0, this checkout is 1.3.0: run `npm run build`\n');
  });

  it('refuses a build without the module asked for', () => {
    const { root } = checkout('1.2.0', '1.2.0');
    expect(() => builtModule('server/none', root)).toThrow('taskgraph: dist/ has no server/none.js: run `npm run build`');
  });

  it('stamps a build with the version it was compiled from; clearing removes the stamp with dist/', () => {
    const { root, file } = checkout('2.0.0');
    file('dist/server/cli.js');
    expect(() => builtModule('server/cli', root)).toThrow(BuildMissingError);
    writeBuildStamp(root);
    expect(builtModule('server/cli', root)).toBeInstanceOf(URL);
    clearBuild(root);
    expect(() => builtModule('server/cli', root)).toThrow('no compiled build');
  });
});
