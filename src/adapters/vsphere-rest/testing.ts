/**
 * What the shared test suites need to drive the vSphere Automation REST adapter
 * (src/adapters/testing.ts).
 */
import { badResponse, BackendError } from '../errors.js';
import { parseJsonBody, parseOutcome, readFixtures, typedStep, type BackendTesting } from '../testing.js';
import { resolveRoots, toTaskModel } from './map.js';
import { parseSessionId, parseTaskInfo, parseTaskMap, parseVapiError, WireShapeError } from './wire.js';

const MB20 = 20 * 1024 * 1024;
const fixtures = () => readFixtures(new URL('./', import.meta.url), '.json');
const isTyped = (err: unknown) => err instanceof WireShapeError || err instanceof BackendError;

export const vsphereRestTesting: BackendTesting = {
  format: 'json',
  fixtures,
  parse(body) {
    const typed: Error[] = [];
    typedStep(typed, isTyped, () => parseSessionId(body));
    const parsed = parseJsonBody(body, typed, (cause) => badResponse('b', 'body is not JSON', cause));
    if (!parsed.ok) return parseOutcome([], typed);
    parseVapiError(parsed.value);
    const map = typedStep(typed, isTyped, () => parseTaskMap(parsed.value)) ?? new Map();
    const one = typedStep(typed, isTyped, () => parseTaskInfo(parsed.value));
    if (one) map.set('one:com.vmware.test', one);
    const models = [...map].map(([id, info]) => toTaskModel(id, info, { backend: 'b', cancelRequested: false }));
    return parseOutcome(resolveRoots(models), typed);
  },
  listContentType: 'application/json',
  listPathPrefix: '',
  deepFieldAnswer() {
    const doc = JSON.parse(fixtures().get('constructed.cis-tasks-list.json')!);
    const [first] = Object.keys(doc);
    doc[first!].result = '__DEEP__';
    return JSON.stringify(doc).replace('"__DEEP__"', '['.repeat(20_000) + ']'.repeat(20_000));
  },
  // vAPI maps may come as `[{key, value}]` lists, so nested empty lists are no tasks.
  readsDeepEmptyListsAsNoTasks: true,
  hugeAnswers: {
    '20 MB map': () => JSON.stringify(Object.fromEntries(Array.from({ length: MB20 / 90 }, (_, i) => [`${i}:com.vmware.vcenter.vm`, { status: 'RUNNING', service: 'com.vmware.vcenter.vm', operation: 'x' }]))),
    '100 000 levels deep': () => '['.repeat(100_000) + ']'.repeat(100_000),
  },
  isCancelRequest: (req) => req.method === 'POST' && req.url.includes('action=cancel'),
  logins: (sim) => sim.server.counts.get('create session') ?? 0,
  subtasks: true,
};
