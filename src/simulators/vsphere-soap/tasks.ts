/**
 * Simulated vim tasks: `task-N` keys from TaskWorld's creation order, the catalog of vCenter
 * operations (descriptionId and method names as vCenter reports them), and the Task and
 * TaskManager methods: CancelTask, CreateTask, SetTaskState, UpdateProgress, SetTaskDescription.
 */
import type { SimResponse } from '../harness.js';
import { isSimTerminal, type OperationTemplate, type SimState, type SimTask, type TaskWorld } from '../task-world.js';
import type { XmlElement } from '../../adapters/xml.js';
import { child } from '../../adapters/xml.js';
import { el, fault, ref, response, taskInfoPlain, type Ref, type TaskView } from './render.js';
import { bool, readRef, text } from './request.js';
import type { SimSession } from './sessions.js';
import { hostName, vmName, type Inventory } from './inventory.js';

/** vCenter operations: descriptionId, the method behind it, and whether it returns a MoRef. */
export const CATALOG: OperationTemplate[] = [
  { operation: 'VirtualMachine.powerOn', description: 'Power On virtual machine {name}', entityType: 'VirtualMachine', entityId: (n) => `vm-${n}`, entityName: vmName, cancelable: false },
  { operation: 'VirtualMachine.powerOff', description: 'Power Off virtual machine {name}', entityType: 'VirtualMachine', entityId: (n) => `vm-${n}`, entityName: vmName, cancelable: false },
  { operation: 'VirtualMachine.clone', description: 'Clone virtual machine {name}', entityType: 'VirtualMachine', entityId: (n) => `vm-${n}`, entityName: vmName, subtasks: 1 },
  { operation: 'VirtualMachine.relocate', description: 'Relocate virtual machine {name}', entityType: 'VirtualMachine', entityId: (n) => `vm-${n}`, entityName: vmName, subtasks: 2 },
  { operation: 'VirtualMachine.createSnapshot', description: 'Create virtual machine snapshot of {name}', entityType: 'VirtualMachine', entityId: (n) => `vm-${n}`, entityName: vmName },
  { operation: 'HostSystem.enterMaintenanceMode', description: 'Enter maintenance mode on {name}', entityType: 'HostSystem', entityId: (n) => `host-${n}`, entityName: hostName },
];

const METHODS: Record<string, { method: string; returnsRef?: boolean }> = {
  'VirtualMachine.powerOn': { method: 'PowerOnVM_Task' },
  'VirtualMachine.powerOff': { method: 'PowerOffVM_Task' },
  'VirtualMachine.clone': { method: 'CloneVM_Task', returnsRef: true },
  'VirtualMachine.relocate': { method: 'RelocateVM_Task' },
  'VirtualMachine.createSnapshot': { method: 'CreateSnapshot_Task', returnsRef: true },
  'HostSystem.enterMaintenanceMode': { method: 'EnterMaintenanceMode_Task' },
};

/** The TaskManager's recentTask cap (govmomi simulator: "the VC limit"). */
export const RECENT_TASK_MAX = 200;

export class TaskDirectory {
  readonly world: TaskWorld;
  readonly inventory: Inventory;
  readonly #byKey = new Map<string, string>();

  constructor(world: TaskWorld, inventory: Inventory) {
    this.world = world;
    this.inventory = inventory;
    world.onChange((task, kind) => {
      if (kind !== 'created') return;
      this.#byKey.set(keyOf(task), task.id);
      if (task.entity) inventory.learn(task.entity);
    });
  }

  byKey(key: string): SimTask | undefined {
    const id = this.#byKey.get(key);
    return id ? this.world.get(id) : undefined;
  }

  view(task: SimTask): TaskView {
    const parent = task.parentId ? this.world.get(task.parentId) : undefined;
    const root = task.rootId ? this.world.get(task.rootId) : undefined;
    const known = METHODS[task.operation];
    return {
      key: keyOf(task),
      task,
      parentKey: parent ? keyOf(parent) : null,
      rootKey: root ? keyOf(root) : null,
      method: task.external ? null : (known?.method ?? null),
      resultIsRef: known?.returnsRef ?? false,
      entityName: task.entity ? (this.inventory.name({ type: task.entity.type, value: task.entity.id }) ?? task.entity.name) : null,
    };
  }

  /** Every task, oldest first (the order of the history). */
  chronological(): SimTask[] {
    return this.world.list().reverse();
  }

  /** TaskManager.recentTask: the newest tasks, oldest first, at most 200. */
  recent(): SimTask[] {
    return this.chronological().slice(-RECENT_TASK_MAX);
  }

  /** ManagedEntity.recentTask: the recent tasks on one entity. */
  recentOn(entity: Ref): SimTask[] {
    return this.recent().filter((t) => t.entity?.type === entity.type && t.entity.id === entity.value);
  }
}

export function keyOf(task: SimTask): string {
  return `task-${task.seq}`;
}

export function notFound(self: Ref, method: string): SimResponse {
  return { status: 500, route: method, body: fault('ManagedObjectNotFound', `managed object not found: ${self.type}:${self.value}`, ref('obj', self)) };
}

function invalidState(method: string): SimResponse {
  return { status: 500, route: method, body: fault('InvalidState', 'The operation is not allowed in the current state.') };
}

function invalidArgument(method: string, property: string): SimResponse {
  return { status: 500, route: method, body: fault('InvalidArgument', 'A specified parameter was not correct: ' + property, el('invalidProperty', property)) };
}

const ok = (method: string, inner = ''): SimResponse => ({ status: 200, route: method, body: response(method, inner) });

/** Task methods: CancelTask and the extension-side setters. */
export function taskMethod(tasks: TaskDirectory, method: string, self: Ref, args: XmlElement): SimResponse | undefined {
  const task = tasks.byKey(self.value);
  if (!['CancelTask', 'SetTaskState', 'UpdateProgress', 'SetTaskDescription'].includes(method)) return undefined;
  if (!task) return notFound(self, method);
  const world = tasks.world;
  switch (method) {
    case 'CancelTask': {
      const outcome = world.cancel(task.id);
      if (outcome === 'finished') return invalidState(method);
      if (outcome === 'not-cancelable') return { status: 500, route: method, body: fault('NotSupported', 'The operation is not supported on the object.') };
      return ok(method);
    }
    case 'SetTaskState': {
      const state = text(args, 'state');
      if (!task.external || isSimTerminal(task.state)) return invalidState(method);
      const next: Record<string, SimState> = { queued: 'queued', running: 'running', success: 'succeeded', error: 'failed' };
      if (!state || !next[state]) return invalidArgument(method, 'state');
      const error = child(args, 'fault');
      const inner = child(error, 'fault');
      const faultType = inner?.attrs['xsi:type']?.replace(/^.*:/, '') ?? 'SystemError';
      world.update(task.id, {
        state: next[state],
        result: text(args, 'result') ?? task.result,
        errorMessage: state === 'error' ? (text(error, 'localizedMessage') ?? text(inner, 'reason') ?? faultType) : task.errorMessage,
        errorCode: state === 'error' ? faultType : task.errorCode,
        extra: state === 'error' ? { faultType } : {},
      });
      return ok(method);
    }
    case 'UpdateProgress': {
      const percent = Number(text(args, 'percentDone'));
      if (task.state !== 'running' || !task.external) return invalidState(method);
      if (!Number.isFinite(percent)) return invalidArgument(method, 'percentDone');
      world.update(task.id, { progress: Math.min(100, Math.max(0, Math.round(percent))) });
      return ok(method);
    }
    case 'SetTaskDescription': {
      const description = child(args, 'description');
      const key = text(description, 'key');
      if (!key) return invalidArgument(method, 'description');
      world.update(task.id, { description: text(description, 'message') ?? task.description, extra: { descriptionKey: key } });
      return ok(method);
    }
  }
  return undefined;
}

/**
 * TaskManager.CreateTask: an extension's task on `obj`, queued, changed only through the API.
 * `taskTypeId` must be in a registered extension's taskList, else `InvalidArgument{taskType}`
 * (as vcsim answers, govmomi `simulator/task_manager.go` validTaskID); `obj` must exist.
 */
export function createTask(tasks: TaskDirectory, session: SimSession, args: XmlElement, registered: (taskTypeId: string) => boolean): SimResponse {
  const method = 'CreateTask';
  const obj = readRef(child(args, 'obj'));
  const taskTypeId = text(args, 'taskTypeId');
  if (!obj) return invalidArgument(method, 'obj');
  if (!taskTypeId || !registered(taskTypeId)) return invalidArgument(method, 'taskType');
  const name = tasks.inventory.name(obj);
  if (name === undefined) return notFound(obj, method);
  const parentKey = text(args, 'parentTaskKey');
  const parent = parentKey ? tasks.byKey(parentKey) : undefined;
  if (parentKey && !parent) return invalidArgument(method, 'parentTaskKey');
  const activationId = text(args, 'activationId');
  const task = tasks.world.create({
    operation: taskTypeId,
    entity: { id: obj.value, type: obj.type, name },
    parentId: parent?.id ?? null,
    owner: text(args, 'initiatedBy') ?? session.userName,
    cancelable: bool(args, 'cancelable') ?? false,
    external: true,
    extra: activationId ? { activationId } : {},
  });
  return ok(method, taskInfoPlain('returnval', tasks.view(task), { xsi: false }));
}
