/**
 * What the shared test suites need to drive the Prism adapter (src/adapters/testing.ts).
 */
import { badResponse } from '../errors.js';
import { parseJsonBody, parseOutcome, readFixtures, type BackendTesting } from '../testing.js';
import { toTaskModel } from './map.js';
import { narrowErrorMessages, narrowGetResponse, narrowListResponse } from './wire.js';

const MB20 = 20 * 1024 * 1024;
const fixtures = () => readFixtures(new URL('./', import.meta.url), '.json');

export const prismTesting: BackendTesting = {
  format: 'json',
  fixtures,
  parse(body) {
    const typed: Error[] = [];
    const parsed = parseJsonBody(body, typed, (cause) => badResponse('b', 'body is not JSON', cause));
    if (!parsed.ok) return parseOutcome([], typed);
    narrowErrorMessages(parsed.value);
    const list = narrowListResponse(parsed.value);
    const one = narrowGetResponse(parsed.value);
    if (!list && !one) typed.push(badResponse('b', 'not a task response'));
    const tasks = [...(list?.tasks ?? []), ...(one ? [one] : [])];
    return parseOutcome(tasks.map((t) => toTaskModel('b', t)), typed);
  },
  listContentType: 'application/json',
  listPathPrefix: '',
  deepFieldAnswer() {
    const doc = JSON.parse(fixtures().get('constructed-list-v4.r3-running-failed-extra-fields.json')!);
    doc.data[0].completionDetails = [{ name: 'x', value: '__DEEP__' }];
    return JSON.stringify(doc).replace('"__DEEP__"', '['.repeat(20_000) + ']'.repeat(20_000));
  },
  hugeAnswers: {
    '20 MB list': () => JSON.stringify({ data: Array.from({ length: MB20 / 80 }, (_, i) => ({ extId: `ZXJnb24=:${i}`, status: 'RUNNING', operation: 'kVmCreate' })) }),
    '100 000 levels deep': () => '{"data":'.repeat(100_000) + '1' + '}'.repeat(100_000),
  },
  isCancelRequest: (req) => req.method === 'POST' && req.url.includes('/$actions/cancel'),
  // Prism has no login call: a request with Basic credentials opens a session (cookie).
  logins: (sim) => sim.server.recent().filter((r) => String(r.headers.authorization ?? '').startsWith('Basic ')).length,
  subtasks: true,
};
