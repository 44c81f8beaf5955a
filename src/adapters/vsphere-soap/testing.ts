/**
 * What the shared test suites need to drive the vSphere (vim25 SOAP) adapter
 * (src/adapters/testing.ts).
 */
import { BackendError } from '../errors.js';
import { parseOutcome, readFixtures, typedStep, type BackendTesting } from '../testing.js';
import { XmlError, type XmlElement } from '../xml.js';
import { faultError } from './faults.js';
import { toTaskModel } from './map.js';
import { EnvelopeError, readEnvelope, returnvals } from './soap.js';
import { readLocalizedFault, readRetrieveResult, readServiceContent, readTaskInfo, readTaskInfos, readUpdateSet, WireError } from './wire.js';
import type { TaskModel } from '../../model/task.js';

const MB20 = 20 * 1024 * 1024;

function vimEnvelope(inner: string): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>${inner}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;
}

const isTyped = (err: unknown) => err instanceof XmlError || err instanceof EnvelopeError || err instanceof WireError || err instanceof BackendError;

export const vsphereSoapTesting: BackendTesting = {
  format: 'xml',
  fixtures: () => readFixtures(new URL('./', import.meta.url), '.xml'),
  xml: { roots: ['objects', 'filterSet', 'key'], soapEnvelope: true },
  parse(body) {
    const typed: Error[] = [];
    const step = <T>(fn: () => T) => typedStep(typed, isTyped, fn);
    const result = step(() => readEnvelope(body));
    if (!result) return parseOutcome([], typed);
    if (!result.ok) {
      typed.push(faultError('b', 'Method', result.fault, 500));
      readLocalizedFault(result.fault.detail);
      return parseOutcome([], typed);
    }
    const vals: XmlElement[] = returnvals(result.body);
    const models: TaskModel[] = [];
    for (const o of step(() => readRetrieveResult(vals[0]))?.objects ?? []) {
      const info = o.props.get('info');
      const read = info && step(() => readTaskInfo(info));
      if (read) models.push(toTaskModel('b', read));
    }
    for (const u of step(() => readUpdateSet(vals[0]))?.updates ?? []) {
      for (const c of u.changes) {
        const read = c.val && step(() => readTaskInfo(c.val!));
        if (read) models.push(toTaskModel('b', read));
      }
    }
    for (const info of step(() => readTaskInfos(vals)) ?? []) models.push(toTaskModel('b', info));
    step(() => readServiceContent(vals[0]));
    return parseOutcome(models, typed);
  },
  listContentType: 'text/xml; charset=utf-8',
  listPathPrefix: '',
  hugeAnswers: {
    '20 MB of objects': () => vimEnvelope('<objects><obj type="Task">task-1</obj></objects>'.repeat(MB20 / 48)),
    '200 000 levels deep': () => vimEnvelope('<val>'.repeat(200_000) + '</val>'.repeat(200_000)),
  },
  isCancelRequest: (req) => req.body.includes('CancelTask'),
  logins: (sim) => sim.server.counts.get('Login') ?? 0,
  subtasks: true,
};
