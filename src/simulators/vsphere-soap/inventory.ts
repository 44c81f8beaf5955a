/**
 * The simulated vCenter's inventory: the managed entities tasks run on, so that TaskInfo's
 * `entityName` is the entity's name (vim.TaskInfo: "The name of the managed entity"), CreateTask
 * finds its `obj`, and views and property reads see `name` and `recentTask` of each entity.
 *
 * Flat, where vCenter nests: the root folder `group-d1` ("Datacenters", vCenter's name for it)
 * holds every VirtualMachine `vm-1`..`vm-500` and HostSystem `host-1`..`host-500` directly (no
 * datacenter, cluster or vmFolder in between). Entities a task names outside those ranges join
 * the inventory with the name the task gives them.
 */
import type { SimEntity } from '../task-world.js';
import type { Ref } from './render.js';

export const ROOT_FOLDER: Ref = { type: 'Folder', value: 'group-d1' };
const ROOT_NAME = 'Datacenters';
const SIZE = 500;

/** The name of VirtualMachine vm-N (the same in every task that runs on it). */
export function vmName(n: number): string {
  return `${['web', 'db', 'app', 'tmpl-centos'][n % 4]}-${n}`;
}

/** The name of HostSystem host-N. */
export function hostName(n: number): string {
  return `esx-${n}.lab.local`;
}

const key = (r: Ref) => `${r.type}:${r.value}`;

export class Inventory {
  readonly #extra = new Map<string, { ref: Ref; name: string }>();

  /** The entity's name, or undefined when the inventory has no such entity. */
  name(entity: Ref): string | undefined {
    if (entity.type === ROOT_FOLDER.type && entity.value === ROOT_FOLDER.value) return ROOT_NAME;
    const n = numbered(entity);
    if (n !== undefined) return entity.type === 'VirtualMachine' ? vmName(n) : hostName(n);
    return this.#extra.get(key(entity))?.name;
  }

  has(entity: Ref): boolean {
    return this.name(entity) !== undefined;
  }

  /** Adds an entity a task names, if the inventory does not know it yet. */
  learn(entity: SimEntity): void {
    const ref = { type: entity.type, value: entity.id };
    if (!this.has(ref)) this.#extra.set(key(ref), { ref, name: entity.name });
  }

  /** Children of the root folder, of the given types (every type when empty), in a stable order. */
  entities(types: readonly string[]): Ref[] {
    const want = (type: string) => types.length === 0 || types.includes(type) || types.includes('ManagedEntity');
    const out: Ref[] = [];
    for (const [type, prefix] of [['HostSystem', 'host'], ['VirtualMachine', 'vm']] as const) {
      if (!want(type)) continue;
      for (let n = 1; n <= SIZE; n++) out.push({ type, value: `${prefix}-${n}` });
    }
    for (const { ref } of this.#extra.values()) if (want(ref.type)) out.push(ref);
    return out;
  }
}

function numbered(entity: Ref): number | undefined {
  const m = entity.type === 'VirtualMachine' ? /^vm-(\d+)$/.exec(entity.value) : entity.type === 'HostSystem' ? /^host-(\d+)$/.exec(entity.value) : null;
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= SIZE ? n : undefined;
}
