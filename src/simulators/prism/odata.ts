/**
 * The OData v4 `$filter` subset Prism Central accepts for tasks, as a parser and evaluator:
 * `eq ne gt ge lt le`, `and or not`, parentheses, string literals ('it''s'), typed enum
 * literals (Prism.Config.TaskStatus'RUNNING'), bare date-times, booleans, numbers, navigation
 * paths (parentTask/extId) and lambda `any` over collections
 * (entitiesAffected/any(a:a/extId eq '...')). Unknown syntax is a 400, as on Prism.
 */

export type Expr =
  | { kind: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; path: string[]; value: Literal }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'any'; path: string[]; variable: string; expr: Expr };

export type Literal = string | number | boolean | null;

export class ODataError extends Error {}

const TOKEN = /\s*(\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w.]*'(?:[^']|'')*'|[A-Za-z_$][\w$]*(?:\/[A-Za-z_$][\w$]*)*\/any\(|[A-Za-z_$][\w$]*(?:\/[A-Za-z_$][\w$]*)*|:|-?\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})|-?\d+(?:\.\d+)?)/y;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let pos = 0;
  while (pos < input.length) {
    if (/^\s+$/.test(input.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(input);
    if (!m) throw new ODataError(`Invalid $filter near '${input.slice(pos, pos + 20)}'`);
    tokens.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

export function parseFilter(input: string): Expr {
  const tokens = tokenize(input);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new ODataError('Unexpected end of $filter');
    return t;
  };
  const expect = (t: string) => {
    if (next() !== t) throw new ODataError(`Expected '${t}' in $filter`);
  };

  function literal(token: string): Literal {
    const typed = /^[A-Za-z_][\w.]*'((?:[^']|'')*)'$/.exec(token);
    if (typed) return typed[1]!.replace(/''/g, "'");
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (/^-?\d{4}-\d{2}-\d{2}T/.test(token)) return token;
    if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
    throw new ODataError(`Invalid literal '${token}' in $filter`);
  }

  function primary(): Expr {
    const t = next();
    if (t === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t === 'not') return { kind: 'not', expr: primary() };
    if (t.endsWith('/any(')) {
      const path = t.slice(0, -'/any('.length).split('/');
      const variable = next();
      expect(':');
      const e = orExpr();
      expect(')');
      return { kind: 'any', path, variable, expr: e };
    }
    const op = next();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new ODataError(`Unsupported operator '${op}' in $filter`);
    return { kind: 'cmp', op: op as 'eq', path: t.split('/'), value: literal(next()) };
  }
  function andExpr(): Expr {
    let left = primary();
    while (peek() === 'and') {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  }
  function orExpr(): Expr {
    let left = andExpr();
    while (peek() === 'or') {
      i++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  }
  const e = orExpr();
  if (i !== tokens.length) throw new ODataError(`Unexpected '${tokens[i]}' in $filter`);
  return e;
}

type Obj = Record<string, unknown>;

function resolve(root: Obj, path: string[], scope: Record<string, Obj>): unknown {
  let value: unknown = scope[path[0]!] ?? root[path[0]!];
  for (const key of path.slice(1)) value = value && typeof value === 'object' ? (value as Obj)[key] : undefined;
  return value;
}

function compare(actual: unknown, op: string, expected: Literal): boolean {
  if (op === 'eq') return actual === expected || (actual === undefined && expected === null);
  if (op === 'ne') return actual !== expected;
  if (actual === undefined || actual === null || expected === null) return false;
  const isTime = typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(expected);
  const a = isTime ? Date.parse(String(actual)) : (actual as number | string);
  const b = isTime ? Date.parse(expected) : expected;
  switch (op) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}

export function evaluate(expr: Expr, item: Obj, scope: Record<string, Obj> = {}): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, item, scope) && evaluate(expr.right, item, scope);
    case 'or':
      return evaluate(expr.left, item, scope) || evaluate(expr.right, item, scope);
    case 'not':
      return !evaluate(expr.expr, item, scope);
    case 'any': {
      const list = resolve(item, expr.path, scope);
      return Array.isArray(list) && list.some((el) => evaluate(expr.expr, item, { ...scope, [expr.variable]: el as Obj }));
    }
    case 'cmp':
      return compare(resolve(item, expr.path, scope), expr.op, expr.value);
  }
}

/**
 * Fields the task list filters on: the six the v4 tasks API reference lists for `$filter`
 * (Prism v4 API, List Tasks: clusterExtIds, completedTime, createdTime, entitiesAffected/extId,
 * parentTask, status), and `extId`, which taskgraph's by-id batches use: that a Prism Central
 * accepts it is UNCONFIRMED (settled by one `$filter=extId eq '…'` against a real PC).
 * Any other field is a 400, as on Prism.
 */
export const FILTERABLE = new Set(['clusterExtIds', 'completedTime', 'createdTime', 'entitiesAffected', 'parentTask', 'status', 'extId']);

/** `$orderby` fields: `createdTime` is the one the v4 tasks API reference lists as sortable. */
export const SORTABLE = new Set(['createdTime']);

/** Throws when the expression names a field Prism would reject. */
export function checkFields(expr: Expr, vars: Set<string> = new Set()): void {
  switch (expr.kind) {
    case 'and':
    case 'or':
      checkFields(expr.left, vars);
      checkFields(expr.right, vars);
      return;
    case 'not':
      checkFields(expr.expr, vars);
      return;
    case 'any':
      if (!FILTERABLE.has(expr.path[0]!)) throw new ODataError(`Field '${expr.path.join('/')}' is not filterable`);
      checkFields(expr.expr, new Set([...vars, expr.variable]));
      return;
    case 'cmp':
      if (!vars.has(expr.path[0]!) && !FILTERABLE.has(expr.path[0]!)) {
        throw new ODataError(`Field '${expr.path.join('/')}' is not filterable`);
      }
  }
}
