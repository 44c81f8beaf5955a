/** The compiled module's URL when dist/ is current with src/, else null (bin/built.js). */
export function builtModule(module: string, root?: URL): URL | null;
