/**
 * What the shared test suites need to drive the Proxmox VE adapter (src/adapters/testing.ts).
 */
import { badResponse } from '../errors.js';
import { parseJsonBody, parseOutcome, readFixtures, type BackendTesting } from '../testing.js';
import { readLog } from './log.js';
import { stateOfRecord, stateOfStatus, toTaskModel } from './map.js';
import { decodeUpid } from './upid.js';
import { narrowEnvelope, narrowLog, narrowNodes, narrowTaskList, narrowTaskStatus, narrowTicket } from './wire.js';

const MB20 = 20 * 1024 * 1024;
const UPID = 'UPID:pve1:00001234:00ABCDEF:65F1A2B3:qmstart:101:root@pam:';

export const proxmoxTesting: BackendTesting = {
  format: 'json',
  fixtures: () => readFixtures(new URL('./', import.meta.url), '.json'),
  parse(body) {
    const typed: Error[] = [];
    const parsed = parseJsonBody(body, typed, (cause) => badResponse('b', 'body is not JSON', cause));
    if (!parsed.ok) return parseOutcome([], typed);
    const envelope = narrowEnvelope(parsed.value);
    if (!envelope) return parseOutcome([], [badResponse('b', 'no "data" in the answer')]);
    narrowNodes(envelope.data);
    narrowTicket(envelope.data);
    const log = narrowLog(envelope.data);
    const details = log ? readLog(log, 0) : undefined;
    const list = narrowTaskList(envelope.data);
    const models = (list ?? []).map((r) => toTaskModel('b', { upid: r.upid, parts: r.parts, state: stateOfRecord(r), endtime: r.endtime }, { cancelRequested: false, log: details }));
    const status = narrowTaskStatus(envelope.data);
    const upid = status && typeof (envelope.data as { upid?: unknown }).upid === 'string' ? (envelope.data as { upid: string }).upid : undefined;
    const parts = upid ? decodeUpid(upid) : null;
    if (status && parts) models.push(toTaskModel('b', { upid: upid!, parts, state: stateOfStatus(status), endtime: undefined }, { cancelRequested: true }));
    if (!list && !log && !status) typed.push(badResponse('b', 'not a task answer'));
    return parseOutcome(models, typed);
  },
  // pve-http-server answers JSON with this exact content type.
  listContentType: 'application/json;charset=UTF-8',
  listPathPrefix: '',
  hugeAnswers: {
    '20 MB task list': () =>
      JSON.stringify({ data: Array.from({ length: MB20 / 130 }, (_, i) => ({ upid: UPID, node: 'pve1', pid: i, pstart: 1, starttime: 1_700_000_000 + i, type: 'qmstart', id: '101', user: 'root@pam', status: 'OK' })) }),
    '100 000 levels deep': () => '{"data":'.repeat(100_000) + '1' + '}'.repeat(100_000),
  },
  isCancelRequest: (req) => req.method === 'DELETE' && req.url.includes('/tasks/UPID'),
  logins: (sim) => sim.server.counts.get('login') ?? 0,
  // A UPID names no parent, and no API lists subtasks.
  subtasks: false,
};
