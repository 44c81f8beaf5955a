/**
 * The ExtensionManager, for the task types CreateTask accepts: `extensionList` (each
 * Extension's `taskList` names its task types), FindExtension, RegisterExtension and
 * UnregisterExtension, with vcsim's answers (govmomi `simulator/extension_manager.go`):
 * registering a key twice is `InvalidArgument{extension.key}`, unregistering an unknown one
 * `NotFound`. Extensions are server-wide, not per session.
 */
import type { SimResponse } from '../harness.js';
import type { XmlElement } from '../../adapters/xml.js';
import { child, children } from '../../adapters/xml.js';
import { el, fault, response } from './render.js';
import { text } from './request.js';
import { data, dateTime, field, serialize, str, type VimValue } from './values.js';

export interface SimExtension {
  key: string;
  label: string;
  summary: string;
  company?: string;
  version: string;
  /** ExtensionTaskTypeInfo.taskID values: the taskTypeIds CreateTask accepts. */
  taskList: string[];
}

/** Registered when a simulator starts: the extension taskgraph's own tests and docs use. */
export const DEFAULT_EXTENSIONS: SimExtension[] = [
  {
    key: 'com.example.backup',
    label: 'Example backup',
    summary: 'Backs up virtual machines (taskgraph simulator sample extension)',
    company: 'Example, Inc.',
    version: '1.0.0',
    taskList: ['com.example.backup.run', 'com.example.backup.verify'],
  },
];

const ok = (method: string, inner = ''): SimResponse => ({ status: 200, route: method, body: response(method, inner) });
const faultReply = (method: string, type: string, fields = ''): SimResponse => ({ status: 500, route: method, body: fault(type, '', fields) });

export class Extensions {
  readonly #list: Array<SimExtension & { registeredAt: Date }>;
  readonly #now: () => number;

  constructor(initial: SimExtension[], now: () => number) {
    this.#now = now;
    this.#list = initial.map((x) => ({ ...x, registeredAt: new Date(now()) }));
  }

  /** Whether a registered extension lists this task type. */
  hasTaskType(taskTypeId: string): boolean {
    return this.#list.some((x) => x.taskList.includes(taskTypeId));
  }

  /** `ExtensionManager.extensionList` (ArrayOfExtension), null when empty. */
  value(): VimValue | null {
    if (this.#list.length === 0) return null;
    return { kind: 'array', type: 'ArrayOfExtension', itemName: 'Extension', items: this.#list.map(node) };
  }

  /** FindExtension, RegisterExtension, UnregisterExtension; undefined for other methods. */
  method(method: string, args: XmlElement): SimResponse | undefined {
    switch (method) {
      case 'FindExtension': {
        const found = this.#list.find((x) => x.key === text(args, 'extensionKey'));
        return ok(method, found ? serialize('returnval', node(found), { xsi: false }, false) : '');
      }
      case 'RegisterExtension': {
        const ext = child(args, 'extension');
        const key = text(ext, 'key');
        if (!key || this.#list.some((x) => x.key === key)) return faultReply(method, 'InvalidArgument', el('invalidProperty', 'extension.key'));
        const description = child(ext, 'description');
        this.#list.push({
          key,
          label: text(description, 'label') ?? key,
          summary: text(description, 'summary') ?? '',
          company: text(ext, 'company'),
          version: text(ext, 'version') ?? '',
          taskList: children(ext, 'taskList').flatMap((t) => text(t, 'taskID') ?? []),
          registeredAt: new Date(this.#now()),
        });
        return ok(method);
      }
      case 'UnregisterExtension': {
        const index = this.#list.findIndex((x) => x.key === text(args, 'extensionKey'));
        if (index === -1) return faultReply(method, 'NotFound');
        this.#list.splice(index, 1);
        return ok(method);
      }
    }
    return undefined;
  }
}

/** An Extension data object (fields in WSDL order; lastHeartbeatTime is required). */
function node(x: SimExtension & { registeredAt: Date }): VimValue {
  return data('Extension', [
    field('description', data('Description', [field('label', str(x.label)), field('summary', str(x.summary))])),
    field('key', str(x.key)),
    field('company', str(x.company)),
    field('type', null),
    field('version', str(x.version)),
    field('subjectName', null),
    field('server', null),
    field('client', null),
    // A repeated element, one field per item (an empty list is an unset field).
    ...(x.taskList.length ? x.taskList.map((id) => field('taskList', data('ExtensionTaskTypeInfo', [field('taskID', str(id))]))) : [field('taskList', null)]),
    field('eventList', null),
    field('faultList', null),
    field('privilegeList', null),
    field('resourceList', null),
    field('lastHeartbeatTime', dateTime(x.registeredAt)),
  ]);
}
