/**
 * Each adapter's read path from response body to TaskModels, as its client and adapter run
 * it (parse, narrow, map), for property tests. Failures the adapters turn into typed errors
 * (XmlError, EnvelopeError, WireError, WireShapeError, BackendError, a JSON SyntaxError the
 * client wraps) come back as `typed`; anything else thrown is a crash and propagates.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { BackendError, badResponse } from '../../../src/adapters/errors.js';
import { toTaskModel as prismModel } from '../../../src/adapters/prism/map.js';
import { narrowErrorMessages, narrowGetResponse, narrowListResponse } from '../../../src/adapters/prism/wire.js';
import { recordToModel, taskToModel } from '../../../src/adapters/vcd/map.js';
import { narrowError, narrowOrg, narrowQueryPage, narrowSession, narrowTask, narrowVersions } from '../../../src/adapters/vcd/wire.js';
import { resolveRoots, toTaskModel as restModel } from '../../../src/adapters/vsphere-rest/map.js';
import { parseSessionId, parseTaskInfo, parseTaskMap, parseVapiError, WireShapeError } from '../../../src/adapters/vsphere-rest/wire.js';
import { faultError } from '../../../src/adapters/vsphere-soap/faults.js';
import { toTaskModel as vimModel } from '../../../src/adapters/vsphere-soap/map.js';
import { EnvelopeError, readEnvelope, returnvals } from '../../../src/adapters/vsphere-soap/soap.js';
import { readLocalizedFault, readRetrieveResult, readServiceContent, readTaskInfo, readTaskInfos, readUpdateSet, WireError } from '../../../src/adapters/vsphere-soap/wire.js';
import { parseXml, XmlError, type XmlElement } from '../../../src/adapters/xml.js';
import { TASK_STATUSES, type TaskModel } from '../../../src/model/task.js';
import type { BackendTypeName } from './backends.js';

export type Outcome = { kind: 'models'; models: TaskModel[] } | { kind: 'typed'; error: Error };

const TYPED = [XmlError, EnvelopeError, WireError, WireShapeError, BackendError];

function isTyped(err: unknown): err is Error {
  return TYPED.some((T) => err instanceof T);
}

/** Runs one step; a typed failure is recorded and ends the step, anything else propagates. */
function step<T>(typed: Error[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!isTyped(err)) throw err;
    typed.push(err);
    return undefined;
  }
}

function outcome(models: TaskModel[], typed: Error[]): Outcome {
  return models.length || !typed.length ? { kind: 'models', models } : { kind: 'typed', error: typed[0]! };
}

function json(body: string, typed: Error[]): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    typed.push(badResponse('b', 'body is not JSON', err)); // as both JSON clients do
    return { ok: false };
  }
}

function prism(body: string): Outcome {
  const typed: Error[] = [];
  const parsed = json(body, typed);
  if (!parsed.ok) return outcome([], typed);
  narrowErrorMessages(parsed.value);
  const list = narrowListResponse(parsed.value);
  const one = narrowGetResponse(parsed.value);
  if (!list && !one) typed.push(badResponse('b', 'not a task response'));
  const tasks = [...(list?.tasks ?? []), ...(one ? [one] : [])];
  return outcome(tasks.map((t) => prismModel('b', t)), typed);
}

function vsphereRest(body: string): Outcome {
  const typed: Error[] = [];
  step(typed, () => parseSessionId(body));
  const parsed = json(body, typed);
  if (!parsed.ok) return outcome([], typed);
  parseVapiError(parsed.value);
  const map = step(typed, () => parseTaskMap(parsed.value)) ?? new Map();
  const one = step(typed, () => parseTaskInfo(parsed.value));
  if (one) map.set('one:com.vmware.test', one);
  const models = [...map].map(([id, info]) => restModel(id, info, { backend: 'b', cancelRequested: false }));
  return outcome(resolveRoots(models), typed);
}

function vcd(body: string): Outcome {
  const typed: Error[] = [];
  const root = step(typed, () => parseXml(body));
  if (!root) return outcome([], typed);
  narrowError(root);
  narrowVersions(root);
  narrowSession(root);
  narrowOrg(root);
  const page = narrowQueryPage(root);
  const task = narrowTask(root);
  if (!page && !task) typed.push(badResponse('b', 'not a task document'));
  const models = [...(page?.records.map((r) => recordToModel('b', r)) ?? []), ...(task ? [taskToModel('b', task)] : [])];
  return outcome(models, typed);
}

function vim(body: string): Outcome {
  const typed: Error[] = [];
  const result = step(typed, () => readEnvelope(body));
  if (!result) return outcome([], typed);
  if (!result.ok) {
    typed.push(faultError('b', 'Method', result.fault, 500));
    readLocalizedFault(result.fault.detail);
    return outcome([], typed);
  }
  const vals: XmlElement[] = returnvals(result.body);
  const models: TaskModel[] = [];
  const retrieved = step(typed, () => readRetrieveResult(vals[0]));
  for (const o of retrieved?.objects ?? []) {
    const info = o.props.get('info');
    const read = info && step(typed, () => readTaskInfo(info));
    if (read) models.push(vimModel('b', read));
  }
  const updates = step(typed, () => readUpdateSet(vals[0]));
  for (const u of updates?.updates ?? []) {
    for (const c of u.changes) {
      const read = c.val && step(typed, () => readTaskInfo(c.val!));
      if (read) models.push(vimModel('b', read));
    }
  }
  for (const info of step(typed, () => readTaskInfos(vals)) ?? []) models.push(vimModel('b', info));
  step(typed, () => readServiceContent(vals[0]));
  return outcome(models, typed);
}

export const PIPELINES: Record<BackendTypeName, (body: string) => Outcome> = {
  prism,
  'vsphere-rest': vsphereRest,
  vcd,
  'vsphere-soap': vim,
};

/** What every mapped task must satisfy, whatever the payload was. */
export function checkModel(task: TaskModel): void {
  const fail = (what: string) => {
    throw new Error(`mapped task breaks an invariant: ${what}: ${JSON.stringify(task).slice(0, 300)}`);
  };
  if (typeof task.nativeId !== 'string') fail('nativeId is not a string');
  if (!TASK_STATUSES.includes(task.status)) fail('unknown status');
  if (task.progress !== null && !(Number.isInteger(task.progress) && task.progress >= 0 && task.progress <= 100)) fail('progress outside 0-100');
  for (const d of [task.createdAt, task.startedAt, task.completedAt, task.lastUpdatedAt, task.expiresAt]) {
    if (d !== null && !(d instanceof Date && Number.isFinite(d.getTime()))) fail('an invalid date');
  }
  for (const sub of task.embeddedSubtasks ?? []) checkModel(sub);
}

/** Every fixture of an adapter folder with one of these extensions, by file name. */
export function fixtures(folder: string, ext: string): Map<string, string> {
  const dir = new URL(`../../../src/adapters/${folder}/__fixtures__/`, import.meta.url);
  return new Map(readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]));
}
