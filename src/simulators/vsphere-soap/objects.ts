/**
 * The managed objects the simulator lets the PropertyCollector read, and their properties
 * rendered as vcsim renders `val`s: TaskManager{recentTask, maxCollector}, Task{info,
 * info.state}, TaskHistoryCollector{latestPage}, SessionManager{currentSession, sessionList}.
 */
import { el, ref, taskInfoFields, taskInfoValue, typed, vimState, type Ref } from './render.js';
import { MAX_COLLECTORS } from './history.js';
import type { SimSession, Sessions } from './sessions.js';
import type { TaskDirectory } from './tasks.js';

export interface ObjectModel {
  /** Whether the object exists for this caller (session-scoped ones only for their session). */
  exists(obj: Ref, session: SimSession | undefined): boolean;
  /** Property names `all=true` returns for a type. */
  properties(type: string): string[];
  /** The `<val>` element; null when unset (left out); undefined when there is no such property. */
  value(obj: Ref, path: string, session: SimSession | undefined): string | null | undefined;
  /** MoRefs a traversal along `path` reaches. */
  refs(obj: Ref, path: string, session: SimSession | undefined): Ref[];
}

const PROPS: Record<string, string[]> = {
  TaskManager: ['recentTask', 'maxCollector'],
  Task: ['info'],
  TaskHistoryCollector: ['latestPage'],
  SessionManager: ['currentSession', 'sessionList'],
};

/** UserSession fields in WSDL order (Login's returnval, currentSession, sessionList). */
export function userSessionFields(s: SimSession): string {
  return [
    el('key', s.key),
    el('userName', s.userName),
    el('fullName', s.userName),
    el('loginTime', s.loginTime.toISOString()),
    el('lastActiveTime', s.lastActiveTime.toISOString()),
    el('locale', 'en_US'),
    el('messageLocale', 'en_US'),
    el('extensionSession', false),
    el('ipAddress', '127.0.0.1'),
    el('userAgent', s.userAgent),
    el('callCount', s.callCount),
  ].join('');
}

export function createObjectModel(tasks: TaskDirectory, sessions: Sessions): ObjectModel {
  const top = { xsi: false };
  const recentRefs = (): Ref[] => tasks.recent().map((t) => ({ type: 'Task', value: tasks.view(t).key }));

  return {
    exists(obj, session) {
      switch (obj.type) {
        case 'TaskManager':
          return obj.value === 'TaskManager';
        case 'SessionManager':
          return obj.value === 'SessionManager';
        case 'Task':
          return tasks.byKey(obj.value) !== undefined;
        case 'TaskHistoryCollector':
          // Without a session vim answers NotAuthenticated before it looks the object up.
          return session ? session.history.has(obj.value) : true;
        default:
          return false;
      }
    },

    properties: (type) => PROPS[type] ?? [],

    value(obj, path, session) {
      if (obj.type === 'TaskManager') {
        if (path === 'maxCollector') return `<val ${typed('xsd:int', top)}>${MAX_COLLECTORS}</val>`;
        if (path !== 'recentTask') return undefined;
        const refs = recentRefs();
        return refs.length ? `<val ${typed('ArrayOfManagedObjectReference', top)}>${refs.map((r) => ref('ManagedObjectReference', r)).join('')}</val>` : null;
      }
      if (obj.type === 'Task') {
        const task = tasks.byKey(obj.value);
        if (!task) return null;
        if (path === 'info') return taskInfoValue('val', tasks.view(task), top);
        if (path === 'info.state') return `<val ${typed('TaskInfoState', top)}>${vimState(task)}</val>`;
        return undefined;
      }
      if (obj.type === 'TaskHistoryCollector') {
        if (path !== 'latestPage') return undefined;
        const collector = session?.history.get(obj.value);
        const page = (collector?.latestPage() ?? []).flatMap((id) => {
          const task = tasks.world.get(id);
          return task && collector ? [collector.copy(id, 'TaskInfo', vimState(task), () => `<TaskInfo>${taskInfoFields(tasks.view(task), { xsi: true })}</TaskInfo>`)] : [];
        });
        return page.length ? `<val ${typed('ArrayOfTaskInfo', top)}>${page.join('')}</val>` : null;
      }
      if (obj.type === 'SessionManager') {
        if (path === 'currentSession') return session ? `<val ${typed('UserSession', top)}>${userSessionFields(session)}</val>` : null;
        if (path === 'sessionList') {
          const list = sessions.list().map((s) => `<UserSession>${userSessionFields(s)}</UserSession>`);
          return list.length ? `<val ${typed('ArrayOfUserSession', top)}>${list.join('')}</val>` : null;
        }
      }
      return undefined;
    },

    refs(obj, path) {
      return obj.type === 'TaskManager' && path === 'recentTask' ? recentRefs() : [];
    },
  };
}
