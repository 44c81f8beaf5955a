/**
 * Which code `taskgraph` runs (bin/built.js): the compiled build only while it is at least as
 * new as every source file, so an edited checkout never runs stale JavaScript.
 */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtModule } from '../../bin/built.js';

/** A checkout with src/server/cli.ts, src/model/deep/time.ts, a test file, and optionally dist/server/cli.js. */
function checkout(withBuild: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-built-'));
  const file = (path: string, atSeconds: number) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), '');
    utimesSync(join(dir, path), atSeconds, atSeconds);
  };
  file('src/server/cli.ts', 1000);
  file('src/model/deep/time.ts', 1000);
  if (withBuild) file('dist/server/cli.js', 2000);
  return { root: pathToFileURL(`${dir}/`), file };
}

describe('bin/built.js', () => {
  it('runs the build when it is newer than every source', () => {
    const { root } = checkout(true);
    expect(builtModule('server/cli', root)?.href).toBe(new URL('dist/server/cli.js', root).href);
  });

  it('runs the sources when there is no build', () => {
    expect(builtModule('server/cli', checkout(false).root)).toBeNull();
  });

  it('runs the sources when any source file, however deep, changed after the build', () => {
    const { root, file } = checkout(true);
    file('src/model/deep/time.ts', 3000);
    expect(builtModule('server/cli', root)).toBeNull();
  });

  it('ignores tests and other files, which are not in the build', () => {
    const { root, file } = checkout(true);
    file('src/model/deep/time.test.ts', 3000);
    file('src/console/public/app.js', 3000);
    expect(builtModule('server/cli', root)).not.toBeNull();
  });

  it('answers for a module the build does not have with the sources', () => {
    expect(builtModule('server/none', checkout(true).root)).toBeNull();
  });
});
