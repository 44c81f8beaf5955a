/**
 * The ViewManager and its views (vim.view.ViewManager, ListView, ContainerView), session-scoped
 * as in vcsim (govmomi `simulator/view_manager.go`): a view's `view` property lists its objects
 * and a TraversalSpec along `view` reaches them, which is how govmomi's `view.CreateTaskView`
 * (what `govc tasks` uses) follows tasks: CreateListView, ResetListView with the TaskManager's
 * recentTask, a filter on `Task.info` through the view, then ModifyListView and DestroyView.
 * - CreateListView{obj}: an unknown object is `ManagedObjectNotFound` (vcsim).
 * - ModifyListView{add, remove} and ResetListView{obj} return the objects that could not be
 *   added ("the list of objects that could not be added", vim.view.ListView), leaving them out.
 * - CreateContainerView{container, type, recursive}: the root folder is the only container of the
 *   flat inventory (inventory.ts); an unknown container is `ManagedObjectNotFound`, another
 *   entity `InvalidArgument{container}`, an unknown type `InvalidArgument{type}` (vcsim). The
 *   view is computed at each read, so it follows the inventory as vCenter's does.
 */
import type { SimResponse } from '../harness.js';
import type { XmlElement } from '../../adapters/xml.js';
import { children } from '../../adapters/xml.js';
import { ROOT_FOLDER, type Inventory } from './inventory.js';
import { el, fault, ref, response, type Ref } from './render.js';
import { bool, readRef, texts } from './request.js';
import { sessionRef, type SimSession } from './sessions.js';

export type SimView =
  | { kind: 'ListView'; ref: Ref; objects: Ref[] }
  | { kind: 'ContainerView'; ref: Ref; container: Ref; types: string[]; recursive: boolean };

/** Managed entity types a ContainerView may ask for (vcsim's list). */
const ENTITY_TYPES = new Set([
  'ManagedEntity', 'Folder', 'StoragePod', 'Datacenter', 'ComputeResource', 'ClusterComputeResource', 'HostSystem', 'ResourcePool',
  'VirtualApp', 'VirtualMachine', 'Datastore', 'Network', 'OpaqueNetwork', 'DistributedVirtualPortgroup', 'DistributedVirtualSwitch',
  'VmwareDistributedVirtualSwitch',
]);

const ok = (method: string, inner = ''): SimResponse => ({ status: 200, route: method, body: response(method, inner) });
const faultReply = (method: string, type: string, fields: string): SimResponse => ({ status: 500, route: method, body: fault(type, '', fields) });
const refs = (args: XmlElement, name: string): Ref[] => children(args, name).flatMap((e) => readRef(e) ?? []);
const sameRef = (a: Ref, b: Ref) => a.type === b.type && a.value === b.value;

export interface ViewDeps {
  inventory: Inventory;
  /** Whether an object exists for this session (any managed object a ListView may hold). */
  exists(obj: Ref, session: SimSession): boolean;
}

/** The objects a view holds now. */
export function viewObjects(view: SimView, inventory: Inventory): Ref[] {
  if (view.kind === 'ListView') return view.objects;
  return sameRef(view.container, ROOT_FOLDER) ? inventory.entities(view.types) : [];
}

/** ViewManager and view methods; undefined for other methods. */
export function viewMethod(deps: ViewDeps, session: SimSession, method: string, self: Ref, args: XmlElement): SimResponse | undefined {
  if (self.type === 'ViewManager') {
    if (method === 'CreateListView') {
      const objects = refs(args, 'obj');
      const missing = objects.find((o) => !deps.exists(o, session));
      if (missing) return faultReply(method, 'ManagedObjectNotFound', ref('obj', missing));
      return ok(method, ref('returnval', add(session, { kind: 'ListView', ref: { type: 'ListView', value: sessionRef(session) }, objects })));
    }
    if (method === 'CreateContainerView') {
      const container = readRef(children(args, 'container')[0]);
      if (!container || !deps.exists(container, session)) return faultReply(method, 'ManagedObjectNotFound', container ? ref('obj', container) : '');
      if (!deps.inventory.has(container) || !['Folder', 'HostSystem'].includes(container.type)) return faultReply(method, 'InvalidArgument', el('invalidProperty', 'container'));
      const types = texts(args, 'type');
      if (types.some((t) => !ENTITY_TYPES.has(t))) return faultReply(method, 'InvalidArgument', el('invalidProperty', 'type'));
      const view: SimView = { kind: 'ContainerView', ref: { type: 'ContainerView', value: sessionRef(session) }, container, types, recursive: bool(args, 'recursive') ?? false };
      return ok(method, ref('returnval', add(session, view)));
    }
    return undefined;
  }
  const view = session.views.get(self.value);
  if (!view || view.kind !== self.type) return undefined;
  switch (method) {
    case 'DestroyView':
      session.views.delete(self.value);
      return ok(method);
    case 'ModifyListView':
    case 'ResetListView': {
      if (view.kind !== 'ListView') return undefined;
      const adding = refs(args, method === 'ResetListView' ? 'obj' : 'add');
      const removing = method === 'ResetListView' ? view.objects : refs(args, 'remove');
      const kept = view.objects.filter((o) => !removing.some((r) => sameRef(o, r)));
      const unresolved = adding.filter((o) => !deps.exists(o, session));
      for (const o of adding) if (deps.exists(o, session) && !kept.some((k) => sameRef(k, o))) kept.push(o);
      view.objects = kept;
      return ok(method, unresolved.map((o) => ref('returnval', o)).join(''));
    }
  }
  return undefined;
}

function add(session: SimSession, view: SimView): Ref {
  session.views.set(view.ref.value, view);
  return view.ref;
}
