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
import { bool, data, dateTime, field, int, moref, prim, serialize, serializeFields, str, type VimValue } from './values.js';

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
  /** TaskInfo.entityName: the entity's name in the inventory (inventory.ts). */
  entityName: string | null;
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

/** The TaskInfo of a task (govmomi types.TaskInfo, fields in WSDL order; unset ones null). */
export function taskInfoNode(view: TaskView): VimValue {
  const { task, key } = view;
  const running = task.state === 'running' || task.state === 'canceling';
  const described = task.extra.descriptionKey || task.description !== task.operation;
  return data('TaskInfo', [
    field('key', str(key)),
    field('task', moref({ type: 'Task', value: key })),
    field('description', described ? data('LocalizableMessage', [field('key', str(task.extra.descriptionKey ?? task.operation)), field('arg', null), field('message', str(task.description))]) : null),
    field('name', str(view.method)),
    field('descriptionId', str(task.operation)),
    field('entity', moref(task.entity ? { type: task.entity.type, value: task.entity.id } : null)),
    field('entityName', str(task.entity ? view.entityName : null)),
    field('locked', null),
    field('state', prim('TaskInfoState', vimState(task))),
    field('cancelled', bool(task.cancelRequested)),
    field('cancelable', bool(task.cancelable && !isSimTerminal(task.state))),
    field('error', errorNode(task)),
    field('result', resultNode(view), true),
    field('progress', running ? int(task.progress) : null),
    field('progressDetails', null),
    field('reason', reasonNode(task), true),
    field('queueTime', dateTime(task.createdAt)),
    field('startTime', dateTime(task.startedAt)),
    field('completeTime', dateTime(task.completedAt)),
    field('eventChainId', int(1000 + task.seq * 3)),
    field('changeTag', null),
    field('parentTaskKey', str(view.parentKey)),
    field('rootTaskKey', str(view.rootKey)),
    field('activationId', str(task.extra.activationId)),
  ]);
}

function reasonNode(task: SimTask): VimValue {
  if (task.owner === 'system') return data('TaskReasonSystem', []);
  return data('TaskReasonUser', [field('userName', str(task.owner))]);
}

function errorNode(task: SimTask): VimValue | null {
  const fault = (type: string, fields: ReturnType<typeof field>[], message: string) =>
    data('LocalizedMethodFault', [field('fault', data(type, fields), true), field('localizedMessage', str(message))]);
  if (task.state === 'canceled') return fault('RequestCanceled', [], task.errorMessage ?? 'The task was canceled by a user.');
  if (task.state !== 'failed') return null;
  const type = task.extra.faultType ?? 'SystemError';
  return fault(type, type === 'SystemError' ? [field('reason', str(task.errorMessage ?? ''))] : [], task.errorMessage ?? type);
}

function resultNode(view: TaskView): VimValue | null {
  const { task } = view;
  if (task.state !== 'succeeded' || task.result === null) return null;
  if (view.resultIsRef && task.entity) return moref({ type: task.entity.type, value: task.result });
  return prim(task.extra.resultType ?? 'xsd:string', task.result);
}

/** The TaskInfo fields. `scope` tells whether the xsi prefix is declared above (inside a typed `val`). */
export function taskInfoFields(view: TaskView, scope: Scope): string {
  return serializeFields((taskInfoNode(view) as Extract<VimValue, { kind: 'data' }>).fields, scope);
}

/** A TaskInfo as an anyType value: `<val XMLSchema-instance:type="TaskInfo">` (or another element name). */
export function taskInfoValue(name: string, view: TaskView, scope: Scope): string {
  return serialize(name, taskInfoNode(view), scope, true);
}

/** A TaskInfo where the schema fixes the type (ReadNextTasks/CreateTask returnval, ArrayOfTaskInfo items). */
export function taskInfoPlain(name: string, view: TaskView, scope: Scope): string {
  return serialize(name, taskInfoNode(view), scope, false);
}
