/**
 * vim25 property values as a tree, so one value answers both a whole property (`info`) and any
 * property path into it (`info.progress`, `info.error.localizedMessage`), as vCenter resolves
 * every path of a data object ("pathSet: ... property paths such as info.state", vmodl.query
 * PropertyCollector.PropertySpec). Serialized in vcsim's style (render.ts).
 */
import { el, esc, ref, typed, type Ref, type Scope } from './render.js';

export type VimValue =
  /** A primitive or enum: `xsd:string`, `xsd:int`, `xsd:boolean`, `xsd:dateTime`, `TaskInfoState` ... */
  | { kind: 'prim'; type: string; text: string }
  | { kind: 'ref'; ref: Ref }
  /** A data object; a field whose value is null is unset (left out, but a valid path). */
  | { kind: 'data'; type: string; fields: Field[] }
  /** `ArrayOfX`, items written as `<itemName>`. */
  | { kind: 'array'; type: string; itemName: string; items: VimValue[] };

export interface Field {
  name: string;
  value: VimValue | null;
  /** Declared as a base type (anyType, MethodFault, TaskReason): written with its xsi type. */
  polymorphic?: boolean;
}

export const prim = (type: string, value: string | number | boolean): VimValue => ({ kind: 'prim', type, text: String(value) });
export const str = (value: string | null | undefined): VimValue | null => (value === null || value === undefined ? null : prim('xsd:string', value));
export const int = (value: number | null | undefined): VimValue | null => (value === null || value === undefined ? null : prim('xsd:int', value));
export const bool = (value: boolean | null | undefined): VimValue | null => (value === null || value === undefined ? null : prim('xsd:boolean', value));
export const dateTime = (value: Date | null | undefined): VimValue | null => (value ? prim('xsd:dateTime', value.toISOString()) : null);
export const moref = (value: Ref | null | undefined): VimValue | null => (value ? { kind: 'ref', ref: value } : null);
export const data = (type: string, fields: Field[]): VimValue => ({ kind: 'data', type, fields });
export const field = (name: string, value: VimValue | null, polymorphic = false): Field => ({ name, value, polymorphic });

/** `<name>` holding the value; `withType` writes its xsi type (anyType positions, `val`). */
export function serialize(name: string, value: VimValue, scope: Scope, withType: boolean): string {
  switch (value.kind) {
    case 'prim':
      return withType ? `<${name} ${typed(value.type, scope)}>${esc(value.text)}</${name}>` : el(name, value.text);
    case 'ref':
      return withType ? `<${name} ${typed('ManagedObjectReference', scope)} type="${esc(value.ref.type)}">${esc(value.ref.value)}</${name}>` : ref(name, value.ref);
    case 'data': {
      const inner = { xsi: scope.xsi || withType };
      return `<${name}${withType ? ` ${typed(value.type, scope)}` : ''}>${serializeFields(value.fields, inner)}</${name}>`;
    }
    case 'array': {
      const inner = { xsi: scope.xsi || withType };
      const items = value.items.map((item) => serialize(value.itemName, item, inner, false)).join('');
      return `<${name}${withType ? ` ${typed(value.type, scope)}` : ''}>${items}</${name}>`;
    }
  }
}

/** The fields of a data object in order, unset ones left out. */
export function serializeFields(fields: Field[], scope: Scope): string {
  return fields.map((f) => (f.value ? serialize(f.name, f.value, scope, f.polymorphic ?? false) : '')).join('');
}

/**
 * The value at a property path below `value` (`['state']`, `['error', 'localizedMessage']`):
 * null when a field on the way is unset, undefined when the path names no field.
 */
export function resolvePath(value: VimValue | null, path: string[]): VimValue | null | undefined {
  let current: VimValue | null = value;
  for (const name of path) {
    if (current === null) return null;
    if (current.kind !== 'data') return undefined;
    const found: Field | undefined = current.fields.find((f) => f.name === name);
    if (!found) return undefined;
    current = found.value;
  }
  return current;
}
