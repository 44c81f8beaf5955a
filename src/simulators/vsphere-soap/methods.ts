/**
 * PropertyCollector and TaskHistoryCollector methods of the simulator. Faults and empty
 * responses have vcsim's shapes (see render.ts); the semantics are described in
 * property-collector.ts and history.ts.
 */
import type { SimResponse } from '../harness.js';
import type { TaskWorld } from '../task-world.js';
import type { XmlElement } from '../../adapters/xml.js';
import { child, children } from '../../adapters/xml.js';
import { HistoryCollector, MAX_COLLECTORS, MAX_PAGE_SIZE, readTaskFilter, taskMatches } from './history.js';
import type { ObjectModel } from './objects.js';
import { diff, evaluate, newCollector, newFilter, readFilterSpec, renderContent, renderUpdateSet, type Content, type PropertyCollectorState } from './property-collector.js';
import { el, fault, ref, response, taskInfoNode, vimState, type Ref } from './render.js';
import { serialize } from './values.js';
import { int, text } from './request.js';
import { sessionRef, type SimSession } from './sessions.js';
import { notFound, type TaskDirectory } from './tasks.js';

export interface MethodContext {
  world: TaskWorld;
  tasks: TaskDirectory;
  model: ObjectModel;
  session: SimSession | undefined;
  /** Resolves on the next world change, or after `ms`. */
  changed(ms: number): Promise<void>;
  /** CreateCollectorForTasks exists (vcsim's release has none: MethodNotFound). */
  collectors: boolean;
}

const ok = (method: string, inner = ''): SimResponse => ({ status: 200, route: method, body: response(method, inner) });
const faultReply = (method: string, type: string, message: string, fields = ''): SimResponse => ({ status: 500, route: method, body: fault(type, message, fields) });
const invalidArgument = (method: string, property: string) => faultReply(method, 'InvalidArgument', `A specified parameter was not correct: ${property}`, el('invalidProperty', property));

/** Objects per page when the client asks for no limit. */
const DEFAULT_MAX_OBJECTS = 100;

function retrieve(c: MethodContext, method: string, args: XmlElement): SimResponse {
  const contents: Content[] = [];
  for (const specEl of children(args, 'specSet')) {
    const result = evaluate(c.model, readFilterSpec(specEl), c.session);
    if (!result.ok) return faultReply(method, 'ManagedObjectNotFound', 'The object has already been deleted or has not been completely created', ref('obj', result.missing));
    contents.push(...result.contents);
  }
  // RetrieveProperties (deprecated) returns ObjectContent[] directly; the Ex form a RetrieveResult.
  if (method === 'RetrieveProperties') return ok(method, contents.map((x) => renderContent(x, 'returnval')).join(''));
  const max = int(child(args, 'options'), 'maxObjects') ?? DEFAULT_MAX_OBJECTS;
  return ok(method, page(c.session, contents.map((x) => renderContent(x)), max));
}

function page(session: SimSession | undefined, contents: string[], max: number): string {
  if (!session || contents.length <= max) return `<returnval>${contents.join('')}</returnval>`;
  const token = String(session.tokens.size + 1) + '-' + Math.random().toString(36).slice(2, 10);
  session.tokens.set(token, contents.slice(max));
  return `<returnval>${el('token', token)}${contents.slice(0, max).join('')}</returnval>`;
}

function collectorOf(c: MethodContext, self: Ref): PropertyCollectorState | undefined {
  const session = c.session!;
  if (self.value === 'propertyCollector') {
    // Each session sees its own instance of the singleton's filters (vcsim Session.Get).
    if (!session.collectors.has(self.value)) session.collectors.set(self.value, newCollector(self));
  }
  return session.collectors.get(self.value);
}

async function waitForUpdates(c: MethodContext, self: Ref, args: XmlElement): Promise<SimResponse> {
  const method = 'WaitForUpdatesEx';
  const session = c.session!;
  const pc = collectorOf(c, self);
  if (!pc) return notFound(self, method);
  const options = child(args, 'options');
  const maxWait = int(options, 'maxWaitSeconds');
  const maxUpdates = int(options, 'maxObjectUpdates');
  const initial = !text(args, 'version');
  const deadline = Date.now() + Math.min(maxWait ?? 600, 600) * 1000;
  let canceled: string | null = null;
  const cancel = (type: string) => {
    canceled = type;
  };
  pc.cancel.add(cancel);
  try {
    for (;;) {
      if (canceled) return faultReply(method, canceled, '');
      if (session.ended) return faultReply(method, 'NotAuthenticated', '', ref('object', self) + el('privilegeId', 'System.View'));
      c.world.tick();
      const pending = [...pc.filters.values()].flatMap((f) => diff(c.model, f, session));
      if (pending.length || initial) {
        const sent = maxUpdates && maxUpdates > 0 ? pending.slice(0, maxUpdates) : pending;
        for (const p of sent) p.commit();
        return ok(method, renderUpdateSet(++pc.version, sent, sent.length < pending.length));
      }
      if (maxWait === 0 || Date.now() >= deadline) return ok(method);
      await c.changed(Math.min(100, deadline - Date.now()));
    }
  } finally {
    pc.cancel.delete(cancel);
  }
}

export async function propertyCollectorMethod(c: MethodContext, method: string, self: Ref, args: XmlElement): Promise<SimResponse | undefined> {
  switch (method) {
    case 'RetrievePropertiesEx':
    case 'RetrieveProperties':
      return retrieve(c, method, args);
  }
  const session = c.session;
  if (!session) return undefined;
  switch (method) {
    case 'ContinueRetrievePropertiesEx': {
      const token = text(args, 'token') ?? '';
      const rest = session.tokens.get(token);
      if (!rest) return invalidArgument(method, 'token');
      session.tokens.delete(token);
      return ok(method, page(session, rest, DEFAULT_MAX_OBJECTS));
    }
    case 'CancelRetrievePropertiesEx':
      session.tokens.delete(text(args, 'token') ?? '');
      return ok(method);
    case 'CreatePropertyCollector': {
      const created = newCollector({ type: 'PropertyCollector', value: sessionRef(session) });
      session.collectors.set(created.ref.value, created);
      return ok(method, ref('returnval', created.ref));
    }
    case 'DestroyPropertyCollector':
    case 'CancelWaitForUpdates': {
      const pc = collectorOf(c, self);
      if (!pc) return notFound(self, method);
      for (const cancel of pc.cancel) cancel('RequestCanceled');
      if (method === 'DestroyPropertyCollector') session.collectors.delete(self.value);
      return ok(method);
    }
    case 'CreateFilter': {
      const pc = collectorOf(c, self);
      const spec = child(args, 'spec');
      if (!pc) return notFound(self, method);
      if (!spec) return invalidArgument(method, 'spec');
      const filter = newFilter(session, readFilterSpec(spec));
      pc.filters.set(filter.ref.value, filter);
      return ok(method, ref('returnval', filter.ref));
    }
    case 'DestroyPropertyFilter': {
      const pc = [...session.collectors.values()].find((p) => p.filters.has(self.value));
      if (!pc) return notFound(self, method);
      pc.filters.delete(self.value);
      return ok(method);
    }
    case 'WaitForUpdatesEx':
      return waitForUpdates(c, self, args);
  }
  return undefined;
}

export function historyMethod(c: MethodContext, method: string, self: Ref, args: XmlElement): SimResponse | undefined {
  const session = c.session!;
  if (method === 'CreateCollectorForTasks') {
    if (!c.collectors) return undefined;
    if (session.history.size >= MAX_COLLECTORS) return faultReply(method, 'InvalidState', 'Too many task collectors to create');
    const filter = readTaskFilter(child(args, 'filter'));
    const matching = c.tasks.chronological().filter((t) => taskMatches(filter, c.tasks.view(t)));
    const collector = new HistoryCollector(filter, matching);
    const moref = { type: 'TaskHistoryCollector', value: sessionRef(session) };
    session.history.set(moref.value, collector);
    return ok(method, ref('returnval', moref));
  }
  if (self.type !== 'TaskHistoryCollector') return undefined;
  const collector = session.history.get(self.value);
  if (!collector) return notFound(self, method);
  const maxCount = int(args, 'maxCount') ?? 0;
  const infos = (ids: string[]) =>
    ids.flatMap((id) => {
      const task = c.world.get(id);
      return task ? [serialize('returnval', collector.copy(id, vimState(task), () => taskInfoNode(c.tasks.view(task))), { xsi: false }, false)] : [];
    });
  switch (method) {
    case 'ReadNextTasks':
    case 'ReadPreviousTasks':
      if (maxCount <= 0) return invalidArgument(method, 'maxCount');
      return ok(method, infos(method === 'ReadNextTasks' ? collector.next(maxCount) : collector.previous(maxCount)).join(''));
    case 'SetCollectorPageSize':
      if (maxCount < 0 || maxCount > MAX_PAGE_SIZE) return invalidArgument(method, 'maxCount');
      collector.setPageSize(maxCount || 10);
      return ok(method);
    case 'ResetCollector':
      collector.reset();
      return ok(method);
    case 'RewindCollector':
      collector.rewind();
      return ok(method);
    case 'DestroyCollector':
      session.history.delete(self.value);
      return ok(method);
  }
  return undefined;
}
