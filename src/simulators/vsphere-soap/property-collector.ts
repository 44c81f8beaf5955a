/**
 * The PropertyCollector as vcsim serves it (govmomi `simulator/property_collector.go`,
 * `property_filter.go`): PropertyFilterSpec evaluation with TraversalSpecs and named
 * SelectionSpecs; RetrievePropertiesEx with `maxObjects` paging and tokens (vcsim ignores
 * maxObjects; vCenter pages, so this does); without a session, properties land in missingSet
 * as NotAuthenticated (vcsim); an unknown object is a ManagedObjectNotFound fault unless
 * `reportMissingObjectsInResults` (then it is left out, as vcsim does).
 * Filters remember what they reported, so WaitForUpdatesEx returns enter/modify/leave.
 */
import { randomUUID } from 'node:crypto';
import type { XmlElement } from '../../adapters/xml.js';
import { child, children } from '../../adapters/xml.js';
import type { ObjectModel } from './objects.js';
import { el, ref, typed, type Ref } from './render.js';
import { bool, readRef, text, texts } from './request.js';
import type { SimSession } from './sessions.js';

interface PropSpec {
  type: string;
  all: boolean;
  paths: string[];
}

interface Selection {
  name?: string;
  /** Set for a TraversalSpec; a bare SelectionSpec refers to a named one. */
  traversal?: { type: string; path: string; skip: boolean; selectSet: Selection[] };
}

export interface FilterSpec {
  props: PropSpec[];
  objects: Array<{ obj: Ref; skip: boolean; selectSet: Selection[] }>;
  reportMissing: boolean;
}

function readSelection(element: XmlElement): Selection {
  const path = text(element, 'path');
  return {
    name: text(element, 'name'),
    traversal: path
      ? { type: text(element, 'type') ?? '', path, skip: bool(element, 'skip') ?? false, selectSet: children(element, 'selectSet').map(readSelection) }
      : undefined,
  };
}

export function readFilterSpec(spec: XmlElement): FilterSpec {
  return {
    props: children(spec, 'propSet').map((p) => ({ type: text(p, 'type') ?? '', all: bool(p, 'all') ?? false, paths: texts(p, 'pathSet') })),
    objects: children(spec, 'objectSet').flatMap((o) => {
      const obj = readRef(child(o, 'obj'));
      return obj ? [{ obj, skip: bool(o, 'skip') ?? false, selectSet: children(o, 'selectSet').map(readSelection) }] : [];
    }),
    reportMissing: bool(spec, 'reportMissingObjectsInResults') ?? false,
  };
}

/** What one object contributes: its property `val`s and missing properties (already rendered). */
export interface Content {
  obj: Ref;
  props: Map<string, string>;
  missing: string[];
}

export type Evaluation = { ok: true; contents: Content[] } | { ok: false; missing: Ref };

const key = (r: Ref) => `${r.type}:${r.value}`;

function missingProperty(path: string, faultType: string, fields: string): string {
  return `<missingSet>${el('path', path)}<fault><fault ${typed(faultType, { xsi: false })}>${fields}</fault></fault></missingSet>`;
}

export function evaluate(model: ObjectModel, spec: FilterSpec, session: SimSession | undefined): Evaluation {
  const named = new Map<string, Selection>();
  const collect = (sels: Selection[]) => {
    for (const s of sels) {
      if (s.traversal && s.name && !named.has(s.name)) {
        named.set(s.name, s);
        collect(s.traversal.selectSet);
      }
    }
  };
  for (const o of spec.objects) collect(o.selectSet);

  const refs: Ref[] = [];
  const walk = (obj: Ref, sels: Selection[], depth: number) => {
    if (depth > 16) return;
    for (const sel of sels) {
      const t = sel.traversal ?? (sel.name ? named.get(sel.name)?.traversal : undefined);
      if (!t || t.type !== obj.type) continue;
      for (const next of model.refs(obj, t.path, session)) {
        if (!t.skip) refs.push(next);
        walk(next, t.selectSet, depth + 1);
      }
    }
  };
  for (const o of spec.objects) {
    if (!model.exists(o.obj, session)) {
      if (!spec.reportMissing) return { ok: false, missing: o.obj };
      continue;
    }
    if (!o.skip) refs.push(o.obj);
    walk(o.obj, o.selectSet, 0);
  }

  const seen = new Set<string>();
  const contents: Content[] = [];
  for (const obj of refs) {
    if (seen.has(key(obj))) continue;
    seen.add(key(obj));
    const specs = spec.props.filter((p) => p.type === obj.type);
    if (!specs.length) continue;
    const content: Content = { obj, props: new Map(), missing: [] };
    for (const p of specs) {
      for (const path of p.all ? model.properties(obj.type) : p.paths) {
        const val = model.value(obj, path, session);
        if (val === undefined) content.missing.push(missingProperty(path, 'InvalidProperty', el('name', path)));
        else if (!session) content.missing.push(missingProperty(path, 'NotAuthenticated', ref('object', obj) + el('privilegeId', 'System.Read')));
        else if (val !== null) content.props.set(path, val);
      }
    }
    contents.push(content);
  }
  return { ok: true, contents };
}

export function renderContent(c: Content, name = 'objects'): string {
  const props = [...c.props].map(([prop, val]) => `<propSet>${el('name', prop)}${val}</propSet>`).join('');
  return `<${name}>${ref('obj', c.obj)}${props}${c.missing.join('')}</${name}>`;
}

/** One PropertyFilter: its spec and what it last reported per object and property. */
export interface FilterState {
  ref: Ref;
  spec: FilterSpec;
  reported: Map<string, { obj: Ref; props: Map<string, string> }>;
}

/** A PropertyCollector's filters and the WaitForUpdatesEx calls waiting on it. */
export interface PropertyCollectorState {
  ref: Ref;
  filters: Map<string, FilterState>;
  version: number;
  /** Ends pending waits with this fault type (CancelWaitForUpdates, DestroyPropertyCollector). */
  cancel: Set<(faultType: string) => void>;
}

export function newCollector(ref: Ref): PropertyCollectorState {
  return { ref, filters: new Map(), version: 0, cancel: new Set() };
}

export function newFilter(session: SimSession, spec: FilterSpec): FilterState {
  return { ref: { type: 'PropertyFilter', value: `session[${session.key}]${randomUUID()}` }, spec, reported: new Map() };
}

interface Pending {
  filter: FilterState;
  kind: 'enter' | 'modify' | 'leave';
  obj: Ref;
  changes: Array<[string, string]>;
  commit(): void;
}

/** What changed since the filter last reported, as uncommitted updates. */
export function diff(model: ObjectModel, filter: FilterState, session: SimSession): Pending[] {
  const result = evaluate(model, { ...filter.spec, reportMissing: true }, session);
  if (!result.ok) return [];
  const out: Pending[] = [];
  const now = new Set<string>();
  for (const c of result.contents) {
    const k = key(c.obj);
    now.add(k);
    const before = filter.reported.get(k);
    const changes = [...c.props].filter(([name, val]) => before?.props.get(name) !== val);
    if (before && !changes.length) continue;
    out.push({
      filter,
      kind: before ? 'modify' : 'enter',
      obj: c.obj,
      changes,
      commit: () => filter.reported.set(k, { obj: c.obj, props: new Map(c.props) }),
    });
  }
  for (const [k, gone] of filter.reported) {
    if (!now.has(k)) out.push({ filter, kind: 'leave', obj: gone.obj, changes: [], commit: () => filter.reported.delete(k) });
  }
  return out;
}

/** UpdateSet: `version`, one `filterSet` per filter with its `objectSet`s, `truncated` when cut. */
export function renderUpdateSet(version: number, updates: Pending[], truncated: boolean): string {
  const byFilter = new Map<string, Pending[]>();
  for (const u of updates) byFilter.set(u.filter.ref.value, [...(byFilter.get(u.filter.ref.value) ?? []), u]);
  const sets = [...byFilter.values()].map((list) => {
    const objects = list.map((u) => {
      const changes = u.changes.map(([name, val]) => `<changeSet>${el('name', name)}${el('op', 'assign')}${val}</changeSet>`).join('');
      return `<objectSet>${el('kind', u.kind)}${ref('obj', u.obj)}${changes}</objectSet>`;
    });
    return `<filterSet>${ref('filter', list[0]!.filter.ref)}${objects.join('')}</filterSet>`;
  });
  return `<returnval>${el('version', String(version))}${sets.join('')}${truncated ? el('truncated', true) : ''}</returnval>`;
}
