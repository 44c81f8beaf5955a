// Which code `taskgraph` runs: the compiled build in dist/, made by `npm run build` (which npm
// install and npm ci run through `prepare`). The build records the package version it was
// compiled from (dist/build.json); a build that is missing, or from another version than
// package.json's, is refused with what to do. Nothing is decided by file times: `npm run dev`
// runs the TypeScript sources (through tsx) while editing.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);

/** Why the build cannot be run, with what to do (printed by bin/taskgraph.js). */
export class BuildMissingError extends Error {
  name = 'BuildMissingError';
}

function readJson(url) {
  try {
    return JSON.parse(readFileSync(url, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The version in package.json of the checkout at `root`. */
function packageVersion(root) {
  const version = readJson(new URL('package.json', root))?.version;
  if (typeof version !== 'string') throw new BuildMissingError(`taskgraph: cannot read the version in ${new URL('package.json', root).pathname}`);
  return version;
}

/**
 * The URL of `module` (a path under src/ without extension, e.g. `server/cli`) in the compiled
 * build. Throws BuildMissingError naming the fix when there is no build, when it lacks the
 * module, or when it was compiled from another version. `root` is the checkout (tests point it elsewhere).
 */
export function builtModule(module, root = ROOT) {
  const version = packageVersion(root);
  const stamp = readJson(new URL('dist/build.json', root));
  if (!stamp) {
    throw new BuildMissingError('taskgraph: no compiled build in dist/ (npm install and npm ci make it, unless TypeScript was left out): run `npm run build`, or `npm run dev -- <command>` to run the sources');
  }
  if (stamp.version !== version) {
    throw new BuildMissingError(`taskgraph: dist/ was compiled from taskgraph ${stamp.version}, this checkout is ${version}: run \`npm run build\``);
  }
  const url = new URL(`dist/${module}.js`, root);
  if (!existsSync(url)) throw new BuildMissingError(`taskgraph: dist/ has no ${module}.js: run \`npm run build\``);
  return url;
}

/** Removes dist/ (the first step of `npm run build`): no module of a deleted source, no stamp of a failed build. */
export function clearBuild(root = ROOT) {
  rmSync(new URL('dist', root), { recursive: true, force: true });
}

/** Records in dist/build.json the version dist/ was compiled from (the last step of `npm run build`). */
export function writeBuildStamp(root = ROOT) {
  writeFileSync(new URL('dist/build.json', root), `${JSON.stringify({ version: packageVersion(root) })}\n`);
}
