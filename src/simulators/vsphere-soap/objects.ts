/**
 * The managed objects the simulator lets the PropertyCollector read, their properties as value
 * trees (values.ts), so any property path resolves (`info.state`, `info.error.localizedMessage`),
 * rendered as vcsim renders `val`s:
 * TaskManager{recentTask, maxCollector}, Task{info}, TaskHistoryCollector{latestPage},
 * SessionManager{currentSession, sessionList}, ExtensionManager{extensionList},
 * ViewManager{viewList}, ListView/ContainerView{view, ...}, and the inventory's entities
 * (Folder group-d1, VirtualMachine, HostSystem){name, parent, recentTask, childEntity}.
 */
import type { Extensions } from './extensions.js';
import { MAX_COLLECTORS } from './history.js';
import { ROOT_FOLDER } from './inventory.js';
import { taskInfoNode, vimState, type Ref } from './render.js';
import type { SimSession, Sessions } from './sessions.js';
import type { TaskDirectory } from './tasks.js';
import { bool, data, dateTime, field, int, moref, serialize, resolvePath, str, type VimValue } from './values.js';
import { viewObjects } from './views.js';

export interface ObjectModel {
  /** Whether the object exists for this caller (session-scoped ones only for their session). */
  exists(obj: Ref, session: SimSession | undefined): boolean;
  /** Property names `all=true` returns for a type. */
  properties(type: string): string[];
  /** The `<val>` element of a property path; null when unset (left out); undefined when there is no such property. */
  value(obj: Ref, path: string, session: SimSession | undefined): string | null | undefined;
  /** MoRefs a traversal along `path` reaches. */
  refs(obj: Ref, path: string, session: SimSession | undefined): Ref[];
}

const ENTITY_PROPS = ['name', 'parent', 'recentTask'];
const PROPS: Record<string, string[]> = {
  TaskManager: ['recentTask', 'maxCollector'],
  Task: ['info'],
  TaskHistoryCollector: ['latestPage'],
  SessionManager: ['currentSession', 'sessionList'],
  ExtensionManager: ['extensionList'],
  ViewManager: ['viewList'],
  ListView: ['view'],
  ContainerView: ['view', 'container', 'type', 'recursive'],
  Folder: [...ENTITY_PROPS, 'childEntity'],
  VirtualMachine: ENTITY_PROPS,
  HostSystem: ENTITY_PROPS,
};

/** Singletons every session sees (ServiceContent morefs). */
const SINGLETONS = new Set(['TaskManager', 'SessionManager', 'ExtensionManager', 'ViewManager', 'ServiceInstance']);

function refArray(refs: Ref[]): VimValue | null {
  return refs.length ? { kind: 'array', type: 'ArrayOfManagedObjectReference', itemName: 'ManagedObjectReference', items: refs.map((r) => ({ kind: 'ref', ref: r })) } : null;
}

/** UserSession (Login's returnval, currentSession, sessionList), fields in WSDL order. */
export function userSessionNode(s: SimSession): VimValue {
  return data('UserSession', [
    field('key', str(s.key)),
    field('userName', str(s.userName)),
    field('fullName', str(s.userName)),
    field('loginTime', dateTime(s.loginTime)),
    field('lastActiveTime', dateTime(s.lastActiveTime)),
    field('locale', str('en_US')),
    field('messageLocale', str('en_US')),
    field('extensionSession', bool(false)),
    field('ipAddress', str('127.0.0.1')),
    field('userAgent', str(s.userAgent)),
    field('callCount', int(s.callCount)),
  ]);
}

export function createObjectModel(tasks: TaskDirectory, sessions: Sessions, extensions: Extensions): ObjectModel {
  const { inventory } = tasks;
  const taskRefs = (list: ReturnType<TaskDirectory['recent']>): Ref[] => list.map((t) => ({ type: 'Task', value: tasks.view(t).key }));
  const view = (obj: Ref, session: SimSession | undefined) => {
    const found = session?.views.get(obj.value);
    return found && found.kind === obj.type ? found : undefined;
  };

  /** A top-level property: its value, null when unset, undefined when the object has no such property. */
  function property(obj: Ref, name: string, session: SimSession | undefined): VimValue | null | undefined {
    if (!PROPS[obj.type]?.includes(name)) return undefined;
    switch (obj.type) {
      case 'TaskManager':
        return name === 'maxCollector' ? int(MAX_COLLECTORS) : refArray(taskRefs(tasks.recent()));
      case 'Task': {
        const task = tasks.byKey(obj.value);
        return task ? taskInfoNode(tasks.view(task)) : null;
      }
      case 'TaskHistoryCollector': {
        const collector = session?.history.get(obj.value);
        const page = (collector?.latestPage() ?? []).flatMap((id) => {
          const task = tasks.world.get(id);
          return task && collector ? [collector.copy(id, vimState(task), () => taskInfoNode(tasks.view(task)))] : [];
        });
        return page.length ? { kind: 'array', type: 'ArrayOfTaskInfo', itemName: 'TaskInfo', items: page } : null;
      }
      case 'SessionManager':
        if (name === 'currentSession') return session ? userSessionNode(session) : null;
        return sessions.list().length ? { kind: 'array', type: 'ArrayOfUserSession', itemName: 'UserSession', items: sessions.list().map(userSessionNode) } : null;
      case 'ExtensionManager':
        return extensions.value();
      case 'ViewManager':
        return refArray([...(session?.views.values() ?? [])].map((v) => v.ref));
      case 'ListView':
      case 'ContainerView': {
        const v = view(obj, session);
        if (!v) return null;
        if (name === 'view') return refArray(viewObjects(v, inventory));
        if (v.kind !== 'ContainerView') return null;
        if (name === 'container') return moref(v.container);
        if (name === 'recursive') return bool(v.recursive);
        return v.types.length ? { kind: 'array', type: 'ArrayOfString', itemName: 'string', items: v.types.map((t) => ({ kind: 'prim', type: 'xsd:string', text: t })) } : null;
      }
      default: {
        // Inventory entities.
        const entityName = inventory.name(obj);
        if (entityName === undefined) return null;
        if (name === 'name') return str(entityName);
        if (name === 'parent') return obj.value === ROOT_FOLDER.value ? null : moref(ROOT_FOLDER);
        if (name === 'childEntity') return refArray(obj.value === ROOT_FOLDER.value ? inventory.entities([]) : []);
        return refArray(taskRefs(tasks.recentOn(obj)));
      }
    }
  }

  return {
    exists(obj, session) {
      if (SINGLETONS.has(obj.type)) return obj.value === obj.type;
      switch (obj.type) {
        case 'PropertyCollector':
          return obj.value === 'propertyCollector' || (session?.collectors.has(obj.value) ?? false);
        case 'Task':
          return tasks.byKey(obj.value) !== undefined;
        case 'TaskHistoryCollector':
          // Without a session vim answers NotAuthenticated before it looks the object up.
          return session ? session.history.has(obj.value) : true;
        case 'ListView':
        case 'ContainerView':
          return view(obj, session) !== undefined;
        default:
          return inventory.has(obj);
      }
    },

    properties: (type) => PROPS[type] ?? [],

    value(obj, path, session) {
      const [name, ...rest] = path.split('.');
      const top = property(obj, name!, session);
      const value = top === undefined ? undefined : resolvePath(top, rest);
      if (value === undefined) return undefined;
      return value === null ? null : serialize('val', value, { xsi: false }, true);
    },

    refs(obj, path, session) {
      if (obj.type === 'TaskManager' && path === 'recentTask') return taskRefs(tasks.recent());
      if ((obj.type === 'ListView' || obj.type === 'ContainerView') && path === 'view') {
        const v = view(obj, session);
        return v ? viewObjects(v, inventory) : [];
      }
      if (!inventory.has(obj)) return [];
      if (path === 'recentTask') return taskRefs(tasks.recentOn(obj));
      if (path === 'childEntity' && obj.value === ROOT_FOLDER.value) return inventory.entities([]);
      return [];
    },
  };
}
