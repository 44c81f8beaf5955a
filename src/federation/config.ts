/**
 * The `federation:` section of taskgraph.yaml: which object types of other subgraphs get a
 * `tasks` field from taskgraph, and how their foreign keys map to the backends' entity
 * references (and back). Validated once at start; every error names the field, e.g.
 * `federation.entities[0] (VirtualMachine).resolve[1].backend: no backend named "pc9" ...`.
 *
 * ```yaml
 * federation:
 *   entities:
 *     - type: VirtualMachine              # owned by another subgraph, @key(fields: "id")
 *       key: id
 *       resolve:                          # every rule whose pattern matches applies
 *         - backend: vc1
 *           pattern: '^vc1:(?<id>vm-\d+)$'
 *           entityType: VirtualMachine
 *           reverse: { key: 'vc1:{nativeId}' }
 * ```
 */
import { Kind, type DocumentNode } from 'graphql';
import { z } from 'zod';
import { loadTypeDefs } from '../gateway/schema.js';
import { BACKEND_NAME_PATTERN } from '../model/global-id.js';

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const graphqlName = () =>
  z
    .string()
    .regex(GRAPHQL_NAME, 'a GraphQL name (letters, digits, "_"; not starting with a digit)')
    .refine((n) => !n.startsWith('__'), 'names starting with "__" are reserved by GraphQL');

const ruleSchema = z
  .object({
    /** A configured backend name. */
    backend: z.string().regex(BACKEND_NAME_PATTERN, 'a configured backend name'),
    /** Matched against the foreign key; its named groups fill `nativeId`. */
    pattern: z.string().min(1),
    /** Template of the backend's native entity id from the pattern's named groups. */
    nativeId: z.string().min(1).default('{id}'),
    /** The backend's entity type (vim VirtualMachine, Prism rel, vCD vm); narrows both directions. */
    entityType: z.string().min(1).optional(),
    /** EntityReference -> foreign key; without it this rule maps one way only. */
    reverse: z
      .object({
        /** Matched against EntityReference.nativeId; its named groups (and {nativeId}) fill `key`. */
        pattern: z.string().min(1).optional(),
        /** EntityReference types accepted (instead of `entityType`), e.g. the rel names of several Prism versions. */
        types: z.array(z.string().min(1)).min(1).optional(),
        key: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

const entitySchema = z
  .object({
    type: graphqlName(),
    key: graphqlName().default('id'),
    keyType: z.enum(['ID', 'String']).default('ID'),
    tasksField: graphqlName().default('tasks'),
    /** Field added to EntityReference; default: the type name in lowerCamelCase. */
    referenceField: graphqlName().optional(),
    resolve: z.array(ruleSchema).min(1, 'list at least one rule'),
  })
  .strict();

export const federationSchema = z.object({ entities: z.array(entitySchema).default([]) }).strict();

/** A rule, compiled. */
export interface MappingRule {
  backend: string;
  pattern: RegExp;
  nativeId: string;
  entityType: string | null;
  reverse: { pattern: RegExp | null; types: readonly string[] | null; key: string } | null;
}

/** One foreign entity type taskgraph contributes fields to. */
export interface FederatedEntity {
  type: string;
  key: string;
  keyType: 'ID' | 'String';
  tasksField: string;
  /** Null when no rule maps back (no EntityReference field). */
  referenceField: string | null;
  rules: MappingRule[];
}

export interface FederationConfig {
  entities: FederatedEntity[];
}

export type FederationResult = { ok: true; value: FederationConfig } | { ok: false; errors: string[] };

/** Names the taskgraph schema already uses (types) or EntityReference already has (fields). */
export interface ReservedNames {
  types: ReadonlySet<string>;
  entityReferenceFields: ReadonlySet<string>;
}

/** The type names of taskgraph's own schema and the fields of its EntityReference. */
export function taskgraphNames(doc: DocumentNode = loadTypeDefs()): ReservedNames {
  const types = new Set<string>(['Query', 'Mutation', 'Subscription']);
  const entityReferenceFields = new Set<string>();
  for (const def of doc.definitions) {
    if (!('name' in def) || !def.name) continue;
    types.add(def.name.value);
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION && def.name.value === 'EntityReference') {
      for (const field of def.fields ?? []) entityReferenceFields.add(field.name.value);
    }
  }
  return { types, entityReferenceFields };
}

const FEDERATION_TYPES = ['_Any', '_Entity', '_Service', 'FieldSet', 'link__Import', 'link__Purpose', 'federation__Scope', 'federation__Policy'];

/** All named groups of a regular expression (an alternation with the empty string matches anything). */
function groupsOf(pattern: RegExp): string[] {
  return Object.keys(new RegExp(`${pattern.source}|`).exec('')?.groups ?? {});
}

function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

function compile(source: string, field: string, errors: string[]): RegExp | null {
  try {
    return new RegExp(source);
  } catch (err) {
    errors.push(`${field}: not a valid regular expression: ${(err as Error).message}`);
    return null;
  }
}

function lowerCamel(name: string): string {
  return name.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (head) => head.toLowerCase());
}

/**
 * Validates the raw `federation` section against the configured backend names and the
 * names taskgraph's schema already uses. `raw` is undefined when the section is absent.
 */
export function parseFederation(
  raw: unknown,
  backendNames: readonly string[],
  reservedNames?: ReservedNames,
): FederationResult {
  if (raw === undefined || raw === null) return { ok: true, value: { entities: [] } };
  const reserved = reservedNames ?? taskgraphNames();
  const parsed = federationSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        return `federation${path}: ${issue.message}`;
      }),
    };
  }
  const errors: string[] = [];
  const types = new Set<string>();
  const referenceFields = new Set<string>();
  const entities = parsed.data.entities.map((entry, i): FederatedEntity => {
    const at = `federation.entities[${i}] (${entry.type})`;
    if (reserved.types.has(entry.type) || FEDERATION_TYPES.includes(entry.type)) {
      errors.push(`${at}.type: "${entry.type}" is a type of taskgraph's own schema; name a type another subgraph owns`);
    }
    if (types.has(entry.type)) errors.push(`${at}.type: "${entry.type}" is configured twice; list all its rules under one entry`);
    types.add(entry.type);
    if (entry.tasksField === entry.key) errors.push(`${at}.tasksField: "${entry.tasksField}" is the key field`);

    const rules = entry.resolve.flatMap((rule, j): MappingRule[] => {
      const ruleAt = `${at}.resolve[${j}]`;
      if (!backendNames.includes(rule.backend)) {
        errors.push(`${ruleAt}.backend: no backend named "${rule.backend}"; configured: ${backendNames.join(', ')}`);
      }
      const pattern = compile(rule.pattern, `${ruleAt}.pattern`, errors);
      if (pattern) {
        const groups = groupsOf(pattern);
        const missing = placeholders(rule.nativeId).filter((p) => !groups.includes(p));
        if (missing.length) {
          errors.push(
            `${ruleAt}.pattern: needs a named group for ${missing.map((m) => `{${m}}`).join(', ')} of nativeId "${rule.nativeId}"; write (?<${missing[0]}>...)`,
          );
        }
      }
      let reverse: MappingRule['reverse'] = null;
      if (rule.reverse) {
        const reversePattern = rule.reverse.pattern ? compile(rule.reverse.pattern, `${ruleAt}.reverse.pattern`, errors) : null;
        const available = ['nativeId', ...(reversePattern ? groupsOf(reversePattern) : [])];
        const missing = placeholders(rule.reverse.key).filter((p) => !available.includes(p));
        if (missing.length) {
          errors.push(
            `${ruleAt}.reverse.key: ${missing.map((m) => `{${m}}`).join(', ')} is not {nativeId} nor a named group of reverse.pattern`,
          );
        }
        reverse = { pattern: reversePattern, types: rule.reverse.types ?? null, key: rule.reverse.key };
      }
      if (!pattern) return [];
      return [{ backend: rule.backend, pattern, nativeId: rule.nativeId, entityType: rule.entityType ?? null, reverse }];
    });

    let referenceField: string | null = null;
    if (entry.resolve.some((r) => r.reverse)) {
      referenceField = entry.referenceField ?? lowerCamel(entry.type);
      const fieldAt = `${at}.referenceField`;
      if (reserved.entityReferenceFields.has(referenceField)) {
        errors.push(`${fieldAt}: EntityReference already has a field "${referenceField}"; choose another name`);
      } else if (referenceFields.has(referenceField)) {
        errors.push(`${fieldAt}: "${referenceField}" is used by another entity; choose another name`);
      }
      referenceFields.add(referenceField);
    } else if (entry.referenceField) {
      errors.push(`${at}.referenceField: no rule has a "reverse" mapping, so EntityReference gets no field`);
    }
    return { type: entry.type, key: entry.key, keyType: entry.keyType, tasksField: entry.tasksField, referenceField, rules };
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: { entities } };
}
