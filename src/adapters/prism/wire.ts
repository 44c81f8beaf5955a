/**
 * Prism Central v4 task payloads, narrowed from unknown.
 * Field names: nutanix/ntnx-api-golang-clients prism-go-client
 * `models/prism/v4/config/config_model.go` (type Task) and `models/prism/v4/error/error_model.go`.
 * Every object may also carry `$objectType`, `$reserved` and `$unknownFields`; unknown fields
 * and unknown enum values are tolerated (see reference §3.1).
 */

export interface PrismTaskReference {
  extId?: string;
  href?: string;
  rel?: string;
}

export interface PrismEntityReference {
  extId?: string;
  rel?: string;
  name?: string;
}

export interface PrismAppMessage {
  message?: string;
  severity?: string;
  code?: string;
  locale?: string;
  errorGroup?: string;
  argumentsMap?: Record<string, string>;
}

export interface PrismKVPair {
  name?: string;
  value?: unknown;
}

export interface PrismTask {
  extId: string;
  operation?: string;
  operationDescription?: string;
  parentTask?: PrismTaskReference;
  rootTask?: PrismTaskReference;
  createdTime?: string;
  startedTime?: string;
  completedTime?: string;
  lastUpdatedTime?: string;
  status?: string;
  progressPercentage?: number;
  entitiesAffected?: PrismEntityReference[];
  subTasks?: PrismTaskReference[];
  subSteps?: Array<{ name?: string }>;
  isCancelable?: boolean;
  ownedBy?: { extId?: string; name?: string };
  completionDetails?: PrismKVPair[];
  errorMessages?: PrismAppMessage[];
  warnings?: PrismAppMessage[];
  legacyErrorMessage?: string;
  clusterExtIds?: string[];
  isBackgroundTask?: boolean;
  numberOfSubtasks?: number;
  numberOfEntitiesAffected?: number;
  appName?: string;
  projectExtId?: string;
}

export interface PrismListResult {
  tasks: PrismTask[];
  total: number | null;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function arr<T>(value: unknown, item: (v: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map(item).filter((v): v is T => v !== undefined);
}

function ref(value: unknown): PrismTaskReference | undefined {
  if (!isObj(value)) return undefined;
  return { extId: str(value.extId), href: str(value.href), rel: str(value.rel) };
}

function appMessage(value: unknown): PrismAppMessage | undefined {
  if (!isObj(value)) return undefined;
  const argumentsMap = isObj(value.argumentsMap)
    ? Object.fromEntries(Object.entries(value.argumentsMap).filter(([, v]) => typeof v === 'string')) as Record<string, string>
    : undefined;
  return {
    message: str(value.message),
    severity: str(value.severity),
    code: str(value.code),
    locale: str(value.locale),
    errorGroup: str(value.errorGroup),
    argumentsMap,
  };
}

/** Narrows one task object; returns undefined when it has no extId (it cannot be addressed). */
export function narrowTask(value: unknown): PrismTask | undefined {
  if (!isObj(value)) return undefined;
  const extId = str(value.extId);
  if (!extId) return undefined;
  return {
    extId,
    operation: str(value.operation),
    operationDescription: str(value.operationDescription),
    parentTask: ref(value.parentTask),
    rootTask: ref(value.rootTask),
    createdTime: str(value.createdTime),
    startedTime: str(value.startedTime),
    completedTime: str(value.completedTime),
    lastUpdatedTime: str(value.lastUpdatedTime),
    status: str(value.status),
    progressPercentage: num(value.progressPercentage),
    entitiesAffected: arr(value.entitiesAffected, (e) =>
      isObj(e) ? { extId: str(e.extId), rel: str(e.rel), name: str(e.name) } : undefined,
    ),
    subTasks: arr(value.subTasks, ref),
    subSteps: arr(value.subSteps, (s) => (isObj(s) ? { name: str(s.name) } : undefined)),
    isCancelable: bool(value.isCancelable),
    ownedBy: isObj(value.ownedBy) ? { extId: str(value.ownedBy.extId), name: str(value.ownedBy.name) } : undefined,
    completionDetails: arr(value.completionDetails, (kv) => (isObj(kv) ? { name: str(kv.name), value: kv.value } : undefined)),
    errorMessages: arr(value.errorMessages, appMessage),
    warnings: arr(value.warnings, appMessage),
    legacyErrorMessage: str(value.legacyErrorMessage),
    clusterExtIds: arr(value.clusterExtIds, str),
    isBackgroundTask: bool(value.isBackgroundTask),
    numberOfSubtasks: num(value.numberOfSubtasks),
    numberOfEntitiesAffected: num(value.numberOfEntitiesAffected),
    appName: str(value.appName),
    projectExtId: str(value.projectExtId),
  };
}

/** The `data` of a GetTaskApiResponse. */
export function narrowGetResponse(body: unknown): PrismTask | undefined {
  return isObj(body) ? narrowTask(body.data) : undefined;
}

/**
 * A ListTasksApiResponse. An empty page may omit `data` entirely (reference §3.1, List paging),
 * so a missing `data` is an empty list, while a non-array `data` is malformed.
 */
export function narrowListResponse(body: unknown): PrismListResult | undefined {
  if (!isObj(body)) return undefined;
  if (body.data !== undefined && body.data !== null && !Array.isArray(body.data)) return undefined;
  const items = (body.data as unknown[] | undefined) ?? [];
  const tasks = items.map(narrowTask).filter((t): t is PrismTask => t !== undefined);
  if (tasks.length !== items.length) return undefined;
  const metadata = isObj(body.metadata) ? body.metadata : {};
  return { tasks, total: num(metadata.totalAvailableResults) ?? null };
}

/**
 * The messages of an error envelope: `data.error` is either a list of AppMessage or a
 * SchemaValidationError (`validationErrorMessages[]`). Returns [] when the body has neither.
 */
export function narrowErrorMessages(body: unknown): PrismAppMessage[] {
  if (!isObj(body) || !isObj(body.data)) return [];
  const error = body.data.error;
  if (Array.isArray(error)) return arr(error, appMessage) ?? [];
  if (isObj(error)) {
    const validation = arr(error.validationErrorMessages, (v) =>
      isObj(v) ? { message: [str(v.attributePath), str(v.message)].filter(Boolean).join(': '), code: str(error.error) } : undefined,
    );
    if (validation?.length) return validation;
    const message = str(error.message) ?? str(error.error);
    return message ? [{ message }] : [];
  }
  return [];
}
