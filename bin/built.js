// Which code `taskgraph` runs: the compiled build (dist/, `npm run build`, which npm install
// and npm ci run) when it is at least as new as every source file, else the TypeScript sources
// through tsx. A checkout being edited never runs stale code, and an installed one runs plain
// JavaScript: tsx's transform names every function it makes (esbuild `keepNames`), a
// defineProperty per closure that also leaves each closure's properties in dictionary mode
// (docs/performance.md, "compiled build").
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);

/**
 * The sources' newest time, read once per process and checkout: every module a process loads
 * is then judged against the same sources (never some from dist/ and some from src/), and the
 * tree is walked once however many modules are asked for.
 */
const newestByRoot = new Map();

/** Newest modification time (ms) of the non-test TypeScript files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The URL of `module` (a path under src/ without extension, e.g. `server/cli`) in the compiled
 * build when that build is current, else null. `root` is the checkout (tests point it elsewhere).
 */
export function builtModule(module, root = ROOT) {
  const built = new URL(`dist/${module}.js`, root);
  let builtAt;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return null;
  }
  const sources = fileURLToPath(new URL('src', root));
  if (!newestByRoot.has(sources)) newestByRoot.set(sources, newestSource(sources));
  return newestByRoot.get(sources) <= builtAt ? built : null;
}
