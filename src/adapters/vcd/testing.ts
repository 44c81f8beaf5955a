/**
 * What the shared test suites need to drive the Cloud Director adapter (src/adapters/testing.ts).
 */
import { countOf } from '../../simulators/harness.js';
import { badResponse, BackendError } from '../errors.js';
import { parseOutcome, readFixtures, typedStep, type BackendTesting } from '../testing.js';
import { parseXml, XmlError } from '../xml.js';
import { recordToModel, taskToModel } from './map.js';
import { narrowError, narrowOrg, narrowQueryPage, narrowSession, narrowTask, narrowVersions } from './wire.js';

const MB20 = 20 * 1024 * 1024;
const VCD_NS = 'http://www.vmware.com/vcloud/v1.5';
const isTyped = (err: unknown) => err instanceof XmlError || err instanceof BackendError;

export const vcdTesting: BackendTesting = {
  format: 'xml',
  fixtures: () => readFixtures(new URL('./', import.meta.url), '.xml'),
  xml: { roots: ['Task', 'QueryResultRecords'], soapEnvelope: false },
  parse(body) {
    const typed: Error[] = [];
    const root = typedStep(typed, isTyped, () => parseXml(body));
    if (!root) return parseOutcome([], typed);
    narrowError(root);
    narrowVersions(root);
    narrowSession(root);
    narrowOrg(root);
    const page = narrowQueryPage(root);
    const task = narrowTask(root);
    if (!page && !task) typed.push(badResponse('b', 'not a task document'));
    const models = [...(page?.records.map((r) => recordToModel('b', r)) ?? []), ...(task ? [taskToModel('b', task)] : [])];
    return parseOutcome(models, typed);
  },
  listContentType: 'application/vnd.vmware.vcloud.query.records+xml;version=39.0',
  // The list's answer: vCD reads its polled page's running tasks beside the query.
  listPathPrefix: '/api/query',
  hugeAnswers: {
    '20 MB of task records': () => `<QueryResultRecords xmlns="${VCD_NS}">${'<TaskRecord status="running" name="x" href="https://vcd/api/task/1"/>'.repeat(MB20 / 66)}</QueryResultRecords>`,
    '20 MB of one text node': () => `<Task xmlns="${VCD_NS}" status="running" href="https://vcd/api/task/1"><Details>${'x'.repeat(MB20)}</Details></Task>`,
    '200 000 levels deep': () => '<Task>'.repeat(200_000) + '</Task>'.repeat(200_000),
    '20 MB of entity references': () => `<Task xmlns="${VCD_NS}" status="running"><Details>${'&amp;'.repeat(MB20 / 5)}</Details></Task>`,
  },
  isCancelRequest: (req) => req.method === 'POST' && req.url.includes('/action/cancel'),
  logins: (sim) => countOf(sim.server, 'login'),
  subtasks: true,
};
