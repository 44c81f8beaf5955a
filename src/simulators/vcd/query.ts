/**
 * The query service's filter language (vCloud API programming guide, "Query Parameters"):
 * `attr==value` (`*` wildcards, case-insensitive then), `!=`, `=gt=` `=lt=` `=ge=` `=le=` on
 * dates and numbers, `;` AND, `,` OR (AND binds tighter), parentheses. Values arrive in one of
 * three forms (pyvcloud `_AbstractQuery`):
 * - API 35 and later: encoded once; `( ) , ;` inside a value are backslash-escaped;
 * - below 35 with `filterEncoded=true`: each value percent-encoded (the whole filter once more,
 *   which the URL layer already undid);
 * - below 35 without it: raw.
 */

export type FilterMode = 'escaped' | 'encoded' | 'raw';

export type FilterNode =
  | { kind: 'and' | 'or'; items: FilterNode[] }
  | { kind: 'cmp'; attribute: string; op: string; value: string };

export class FilterError extends Error {
  override name = 'FilterError';
}

const OPS = ['==', '!=', '=gt=', '=lt=', '=ge=', '=le='];
const DATE_ATTRS = new Set(['startDate', 'endDate']);
const NUMBER_ATTRS = new Set(['progress']);
/** Every attribute of TaskRecord and AdminTaskRecord. */
export const RECORD_ATTRIBUTES = new Set([
  'href', 'id', 'type', 'org', 'orgName', 'name', 'operationFull', 'message', 'startDate', 'endDate', 'status', 'progress',
  'ownerName', 'owner', 'object', 'objectType', 'objectName', 'serviceNamespace', 'cellName', 'hasOwner',
]);

export function parseFilter(text: string, mode: FilterMode): FilterNode {
  let pos = 0;
  const peek = () => text[pos];

  function orExpr(): FilterNode {
    const items = [andExpr()];
    while (peek() === ',') {
      pos++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  function andExpr(): FilterNode {
    const items = [term()];
    while (peek() === ';') {
      pos++;
      items.push(term());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  function term(): FilterNode {
    if (peek() === '(') {
      pos++;
      const node = orExpr();
      if (peek() !== ')') throw new FilterError(`expected ")" at ${pos}`);
      pos++;
      return node;
    }
    const name = /^[A-Za-z_][\w.@:]*/.exec(text.slice(pos));
    if (!name) throw new FilterError(`expected an attribute name at ${pos}`);
    pos += name[0].length;
    const op = OPS.find((o) => text.startsWith(o, pos));
    if (!op) throw new FilterError(`expected an operator after ${name[0]}`);
    pos += op.length;
    let value = '';
    while (pos < text.length && !';,)'.includes(text[pos]!)) {
      if (mode === 'escaped' && text[pos] === '\\' && pos + 1 < text.length) pos++;
      value += text[pos++];
    }
    if (mode === 'encoded') {
      try {
        value = decodeURIComponent(value);
      } catch {
        throw new FilterError(`bad percent-encoding in the value of ${name[0]}`);
      }
    }
    if (!RECORD_ATTRIBUTES.has(name[0])) throw new FilterError(`${name[0]} is not a task query attribute`);
    if (op !== '==' && op !== '!=' && !DATE_ATTRS.has(name[0]) && !NUMBER_ATTRS.has(name[0])) {
      throw new FilterError(`${op} compares dates and numbers only, not ${name[0]}`);
    }
    return { kind: 'cmp', attribute: name[0], op, value };
  }

  const node = orExpr();
  if (pos !== text.length) throw new FilterError(`unexpected "${text[pos]}" at ${pos}`);
  return node;
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(value);
}

function normalizeId(value: string): string {
  return value.replace(/^urn:vcloud:task:/i, '').toLowerCase();
}

function compare(attribute: string, actual: string, expected: string): number {
  if (DATE_ATTRS.has(attribute)) {
    const a = Date.parse(actual);
    const b = Date.parse(expected);
    if (Number.isNaN(b)) throw new FilterError(`${expected} is not a dateTime`);
    return a - b;
  }
  if (NUMBER_ATTRS.has(attribute)) return Number(actual) - Number(expected);
  return actual < expected ? -1 : actual > expected ? 1 : 0;
}

export function evaluate(node: FilterNode, record: Record<string, string>): boolean {
  if (node.kind !== 'cmp') return node.kind === 'and' ? node.items.every((n) => evaluate(n, record)) : node.items.some((n) => evaluate(n, record));
  const actual = record[node.attribute];
  if (node.op === '!=') return actual === undefined || actual !== node.value;
  if (actual === undefined) return false;
  if (node.attribute === 'id') return node.op === '==' && normalizeId(actual) === normalizeId(node.value);
  if (node.op === '==') {
    if (node.value.includes('*')) return glob(node.value, actual);
    return DATE_ATTRS.has(node.attribute) ? compare(node.attribute, actual, node.value) === 0 : actual === node.value;
  }
  const c = compare(node.attribute, actual, node.value);
  switch (node.op) {
    case '=gt=':
      return c > 0;
    case '=lt=':
      return c < 0;
    case '=ge=':
      return c >= 0;
    default:
      return c <= 0;
  }
}

/**
 * A record with only the attributes `fields` names (vCloud API programming guide, "Query
 * Parameters"; see src/adapters/vcd/fields.ts), and its `href`, which every record keeps.
 * Filtering and sorting happen before, on every attribute, as vCD filters on its database
 * columns whatever it returns. Names that are not task record attributes (and `metadata:`
 * keys, as the simulator keeps no metadata) are ignored: what vCD answers for an unknown name
 * is UNCONFIRMED, so the simulator is tolerant, and the adapter only sends known names.
 */
export function projectRecord(attrs: Record<string, string>, fields: ReadonlySet<string> | null): Record<string, string> {
  if (!fields) return attrs;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrs)) if (name === 'href' || fields.has(name)) out[name] = value;
  return out;
}

/** The names of a `fields` parameter; null when absent or empty (then: every attribute). */
export function parseFields(text: string | null): ReadonlySet<string> | null {
  const names = (text ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  return names.length ? new Set(names) : null;
}

/** Orders records by one attribute; ties keep creation order (vCD's default is the database id). */
export function sortRecords(records: Array<{ seq: number; attrs: Record<string, string> }>, attribute: string, desc: boolean): void {
  records.sort((a, b) => {
    const x = a.attrs[attribute];
    const y = b.attrs[attribute];
    let c = 0;
    if (x !== undefined && y !== undefined) c = compare(attribute, x, y);
    else if (x !== undefined) c = 1;
    else if (y !== undefined) c = -1;
    if (desc) c = -c;
    return c !== 0 ? c : a.seq - b.seq;
  });
}
