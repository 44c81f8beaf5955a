/**
 * A V8 CPU profile's self time sorted into the layers of a list request, so a profile answers
 * "where does a query's CPU go" in a dozen rows instead of hundreds of functions. The first rule
 * that matches a sample's function (its script URL and name) takes it.
 */
interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Rule = [layer: string, test: (url: string, fn: string) => boolean];

const HTTP_CLIENT_PACKAGES = /node_modules\/(got|tough-cookie|p-cancelable|@sindresorhus|lowercase-keys|cacheable-|responselike|http2-wrapper|decompress-response|mimic-response|normalize-url|keyv|defer-to-connect|@szmarczak|tldts|form-data-encoder)/;

/** In the floor too (bench/servers/floor.ts): Node's HTTP, sockets, JSON, garbage collection. */
export const FLOOR_LAYERS = new Set(['garbage collection', "Node's HTTP, streams, events", 'socket writes (kernel)', 'JSON.parse of the backend page', 'JSON.stringify of the answer']);

const RULES: Rule[] = [
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
  ['socket writes (kernel)', (_u, f) => /^write(v|Latin1String|Utf8String|Buffer)$/.test(f)],
  ['got and its cookie jar', (u) => HTTP_CLIENT_PACKAGES.test(u)],
  ["Node's HTTP, streams, events", (u) => /^node:(_http_|net|stream|events|buffer|internal\/(streams|stream_base|buffer|http))/.test(u)],
  // Self time of these functions is the native JSON call they make.
  ['JSON.parse of the backend page', (u, f) => f === 'parse' && /adapters\/\w+\/client/.test(u)],
  ['JSON.stringify of the answer', (u, f) => f === 'serve' && /fast-path\/known-operations/.test(u)],
  ['adapter: wire checks, mapping, times', (u) => /\/adapters\/(?!http|retry|errors)[\w-]+\/|\/model\//.test(u)],
  ['GraphQL execution (graphql-jit, scalars)', (u, f) => /node_modules\/graphql(-jit)?\/|gateway\/schema|fast-path\/jit-executor/.test(u) || /Handler$|callResolver/.test(f)],
  ['gateway: resolvers, merge, loaders', (u) => /\/gateway\/(?!resilience)|node_modules\/dataloader/.test(u)],
  ['guard: bulkhead, timeout, breaker', (u) => /node_modules\/cockatiel|gateway\/resilience/.test(u)],
  ['transport glue and sharing', (u) => /adapters\/(http|retry|errors)|fast-path\/sharing|node_modules\/lru-cache/.test(u)],
  ['server: routes, contexts, limits, auth', (u) => /\/(server|security|fast-path)\//.test(u)],
  ['metrics, logs, tracing', (u) => /prom-client|pino|telemetry/.test(u)],
  ['promises, timers, signals', (u, f) => /^node:(internal\/(process\/task_queues|timers|abort_controller|event_target)|timers)/.test(u) || f === 'runMicrotasks'],
];

/** Milliseconds of self time per layer (idle excluded), and the busy total. */
export function cpuLayers(profile: CpuProfile): { busyMs: number; layers: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const layers = new Map<string, number>();
  let busyMs = 0;
  profile.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    // Not the request's: waiting, V8's unattributed ticks, and the inspector serving the profile.
    if (functionName === '(idle)' || functionName === '(program)' || (functionName === 'dispatch' && !url)) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const layer = RULES.find(([, test]) => test(url, functionName))?.[0] ?? 'the rest';
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
    busyMs += ms;
  });
  return { busyMs, layers };
}
