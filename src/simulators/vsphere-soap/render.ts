/**
 * vim25 responses written byte-for-byte in vcsim's style (govmomi `simulator/simulator.go`,
 * compared against captures in src/adapters/vsphere-soap/__fixtures__/vcsim-*.xml):
 * - `<?xml ...?>` + newline, then `soapenv:Envelope` declaring soapenc, soapenv, xsd and xsi;
 * - the response element `<XResponse xmlns="urn:vim25">`, empty responses as an open/close pair;
 * - anyType values typed with Go's generated prefix: `<val xmlns:XMLSchema-instance="..."
 *   XMLSchema-instance:type="TaskInfo">`, declared once per subtree;
 * - faults as HTTP 500 `soapenv:Fault{faultcode ServerFaultCode, faultstring, detail/<TFault
 *   xmlns="urn:vim25" xsi:type="T">}`.
 */
import { escapeXml } from '../../adapters/xml.js';
import { isSimTerminal, type SimTask } from '../task-world.js';

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface Ref {
  type: string;
  value: string;
}

/** Whether the `XMLSchema-instance` prefix is already declared by an ancestor. */
export type Scope = { xsi: boolean };

export function esc(text: string): string {
  return escapeXml(text);
}

export function el(name: string, value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;
}

export function ref(name: string, moref: Ref): string {
  return `<${name} type="${esc(moref.type)}">${esc(moref.value)}</${name}>`;
}

/** The attributes typing an element as Go's encoder writes them (declaring the prefix if needed). */
export function typed(type: string, scope: Scope): string {
  return scope.xsi ? `XMLSchema-instance:type="${type}"` : `xmlns:XMLSchema-instance="${XSI}" XMLSchema-instance:type="${type}"`;
}

export function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** `<MethodResponse xmlns="urn:vim25">inner</MethodResponse>` in an envelope. */
export function response(method: string, inner = ''): string {
  return envelope(`<${method}Response xmlns="urn:vim25">${inner}</${method}Response>`);
}

/** A SOAP fault body; `fields` are the fault's own elements (already serialized). */
export function fault(type: string, message: string, fields = ''): string {
  return envelope(
    `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${esc(message)}</faultstring>` +
      `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${fields}</${type}Fault></detail></soapenv:Fault>`,
  );
}

/** What a simulated task looks like on the wire: its key and the morefs of its relatives. */
export interface TaskView {
  key: string;
  task: SimTask;
  parentKey: string | null;
  rootKey: string | null;
  /** vim method name (`CloneVM_Task`), unset for internal and extension tasks. */
  method: string | null;
  /** Render `result` as a MoRef of the entity's type. */
  resultIsRef: boolean;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function reason(task: SimTask, scope: Scope): string {
  if (task.owner === 'system') return `<reason ${typed('TaskReasonSystem', scope)}></reason>`;
  return `<reason ${typed('TaskReasonUser', scope)}>${el('userName', task.owner)}</reason>`;
}

function error(task: SimTask, scope: Scope): string {
  if (task.state === 'canceled') {
    return `<error><fault ${typed('RequestCanceled', scope)}></fault>${el('localizedMessage', task.errorMessage ?? 'The task was canceled by a user.')}</error>`;
  }
  if (task.state !== 'failed') return '';
  const type = task.extra.faultType ?? 'SystemError';
  const fields = type === 'SystemError' ? el('reason', task.errorMessage ?? '') : '';
  return `<error><fault ${typed(type, scope)}>${fields}</fault>${el('localizedMessage', task.errorMessage ?? type)}</error>`;
}

function result(view: TaskView, scope: Scope): string {
  const { task } = view;
  if (task.state !== 'succeeded' || task.result === null) return '';
  if (view.resultIsRef && task.entity) return `<result ${typed('ManagedObjectReference', scope)} type="${esc(task.entity.type)}">${esc(task.result)}</result>`;
  return `<result ${typed(task.extra.resultType ?? 'xsd:string', scope)}>${esc(task.result)}</result>`;
}

/** `TaskInfoState` of a simulated task (canceling is vim's running + cancelled). */
export function vimState(task: SimTask): string {
  switch (task.state) {
    case 'queued':
      return 'queued';
    case 'running':
    case 'canceling':
      return 'running';
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'canceled':
      return 'error';
  }
}

/**
 * The TaskInfo fields in WSDL order (govmomi types.TaskInfo). `scope` tells whether the
 * xsi prefix is declared above (inside a typed `val`) or each typed child must declare it.
 */
export function taskInfoFields(view: TaskView, scope: Scope): string {
  const { task, key } = view;
  const running = task.state === 'running' || task.state === 'canceling';
  const description = task.extra.descriptionKey || task.description !== task.operation
    ? `<description>${el('key', task.extra.descriptionKey ?? task.operation)}${el('message', task.description)}</description>`
    : '';
  return [
    el('key', key),
    ref('task', { type: 'Task', value: key }),
    description,
    el('name', view.method),
    el('descriptionId', task.operation),
    task.entity ? ref('entity', { type: task.entity.type, value: task.entity.id }) : '',
    task.entity ? el('entityName', task.entity.name) : '',
    el('state', vimState(task)),
    el('cancelled', task.cancelRequested),
    el('cancelable', task.cancelable && !isSimTerminal(task.state)),
    error(task, scope),
    result(view, scope),
    running ? el('progress', task.progress) : '',
    reason(task, scope),
    el('queueTime', iso(task.createdAt)),
    el('startTime', iso(task.startedAt)),
    el('completeTime', iso(task.completedAt)),
    el('eventChainId', 1000 + task.seq * 3),
    el('parentTaskKey', view.parentKey),
    el('rootTaskKey', view.rootKey),
    el('activationId', task.extra.activationId),
  ].join('');
}

/** A TaskInfo as an anyType value: `<val XMLSchema-instance:type="TaskInfo">` (or another element name). */
export function taskInfoValue(name: string, view: TaskView, scope: Scope): string {
  return `<${name} ${typed('TaskInfo', scope)}>${taskInfoFields(view, { xsi: true })}</${name}>`;
}

/** A TaskInfo where the schema fixes the type (ReadNextTasks/CreateTask returnval, ArrayOfTaskInfo items). */
export function taskInfoPlain(name: string, view: TaskView, scope: Scope): string {
  return `<${name}>${taskInfoFields(view, scope)}</${name}>`;
}
