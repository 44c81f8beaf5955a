/** Why the compiled build cannot be run, with what to do (bin/built.js). */
export class BuildMissingError extends Error {}
/** The compiled module's URL; throws BuildMissingError when dist/ is missing, lacks it, or is from another version. */
export function builtModule(module: string, root?: URL): URL;
/** Records in dist/build.json the version dist/ was compiled from. */
export function writeBuildStamp(root?: URL): void;
/** Removes dist/ (the first step of `npm run build`). */
export function clearBuild(root?: URL): void;
