/**
 * The browser-facing routes, all served from this package (no CDN, works offline):
 *   /                         the task console (src/console/public, plain ES modules)
 *   /history                  its history view (task history: docs/history.md)
 *   /console/vendor/graphql-ws/*  graphql-ws' browser client, from node_modules
 *   GET /graphql from a browser   GraphiQL 3 (React 18 UMD + graphiql UMD, from node_modules)
 * Other requests to /graphql (POST, or a GET that does not prefer HTML) fall through to Apollo.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type NextFunction, type Request, type Response } from 'express';

// From the checkout's src/ whether this runs from src/console or from the build's dist/console.
const PUBLIC = fileURLToPath(new URL('../../src/console/public/', import.meta.url));
const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The console's own files; nothing else under /console is served. */
const CONSOLE_FILES = new Set(['app.js', 'api.js', 'filters.js', 'paging.js', 'render.js', 'console.css', 'history.js', 'history-chart.js']);

/** GraphiQL's assets by public name -> file in node_modules (a fixed map: no path from the URL reaches the disk). */
function graphiqlAssets(): Map<string, string> {
  return new Map([
    ['react.production.min.js', join(packageDir('react'), 'umd/react.production.min.js')],
    ['react-dom.production.min.js', join(packageDir('react-dom'), 'umd/react-dom.production.min.js')],
    ['graphiql.min.js', join(packageDir('graphiql'), 'graphiql.min.js')],
    ['graphiql.min.css', join(packageDir('graphiql'), 'graphiql.min.css')],
  ]);
}

/**
 * The console's policy: its own scripts and styles only, GraphQL over fetch and WebSocket to
 * this origin ('self' covers ws: and wss: to the same host in CSP level 3 browsers).
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(res: Response): void {
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
  res.set('Cache-Control', 'no-cache');
}

/** True for a GET whose Accept header prefers HTML over GraphQL's JSON types (a browser tab). */
export function prefersHtml(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

export function browserRoutes(): Router {
  const router = Router();
  const graphqlWsDir = join(packageDir('graphql-ws'), 'dist');
  const assets = graphiqlAssets();

  router.get('/', (_req, res) => {
    pageHeaders(res);
    res.set('Content-Security-Policy', CONSOLE_CSP);
    res.sendFile('index.html', { root: PUBLIC });
  });

  router.get('/history', (_req, res) => {
    pageHeaders(res);
    res.set('Content-Security-Policy', CONSOLE_CSP);
    res.sendFile('history.html', { root: PUBLIC });
  });

  router.get('/console/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!CONSOLE_FILES.has(file)) return next();
    pageHeaders(res);
    res.sendFile(file, { root: PUBLIC });
  });

  // graphql-ws' ESM client: client.js and the hashed chunk it imports (common-<hash>.js).
  router.get('/console/vendor/graphql-ws/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!/^(client|common-[\w-]+)\.js$/.test(file)) return next();
    res.set('Cache-Control', 'public, max-age=3600');
    res.sendFile(file, { root: graphqlWsDir }, (err) => err && next());
  });

  router.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    res.vary('Accept');
    if (!prefersHtml(req)) return next();
    pageHeaders(res);
    res.set('X-Frame-Options', 'DENY');
    res.sendFile('graphiql.html', { root: PUBLIC });
  });

  router.get('/graphiql/setup.js', (_req, res) => {
    pageHeaders(res);
    res.sendFile('graphiql-setup.js', { root: PUBLIC });
  });

  router.get('/graphiql/assets/:file', (req, res, next) => {
    const path = assets.get(String(req.params.file));
    if (!path) return next();
    res.set('Cache-Control', 'public, max-age=3600');
    res.sendFile(path);
  });

  return router;
}
