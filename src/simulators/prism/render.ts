/**
 * SimTask -> Prism Central v4 JSON, field for field as the v4 Task model
 * (prism-go-client models/prism/v4/config/config_model.go) and the captured GET response in
 * reference §3.1: `$objectType`/`$reserved` on every object, `ZXJnb24=:<uuid>` extIds,
 * TaskReferenceInternal `{extId, href, rel}` for parent/root/subtasks.
 */
import type { SimState, SimTask } from '../task-world.js';

/** "ergon" (Prism's task service) base64-encoded, the extId prefix real PCs use. */
export const EXT_ID_PREFIX = 'ZXJnb24=:';

export function extIdOf(task: SimTask): string {
  return EXT_ID_PREFIX + task.id;
}

export function simIdOf(extId: string): string {
  return extId.startsWith(EXT_ID_PREFIX) ? extId.slice(EXT_ID_PREFIX.length) : extId;
}

/** `$fv` by path version: v4.0 -> v4.r0, v4.0.b1 -> v4.r0.b1 (reference §3.1). */
export function fvOf(version: string): string {
  if (version === 'v4.0.b1') return 'v4.r0.b1';
  const m = /^v4\.(\d+)$/.exec(version);
  return m ? `v4.r${m[1]}` : 'v4.r0';
}

function status(state: SimState): string {
  switch (state) {
    case 'queued':
      return 'QUEUED';
    case 'running':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
      return 'FAILED';
    case 'canceling':
      return 'CANCELING';
    case 'canceled':
      return 'CANCELED';
  }
}

export interface RenderContext {
  origin: string;
  version: string;
  lookup: (id: string) => SimTask | undefined;
}

export function renderTask(task: SimTask, ctx: RenderContext): Record<string, unknown> {
  const fv = fvOf(ctx.version);
  const reserved = { $fv: fv };
  const href = (id: string) => `${ctx.origin}/api/prism/${ctx.version}/config/tasks/${EXT_ID_PREFIX}${id}`;
  const ref = (id: string) => ({
    extId: EXT_ID_PREFIX + id,
    href: href(id),
    rel: 'self',
    $reserved: reserved,
    $objectType: 'prism.v4.config.TaskReferenceInternal',
  });
  const out: Record<string, unknown> = {
    extId: extIdOf(task),
    operation: task.operation,
    operationDescription: task.description,
    createdTime: task.createdAt.toISOString(),
    lastUpdatedTime: task.updatedAt.toISOString(),
    status: status(task.state),
    progressPercentage: task.progress,
    isCancelable: task.cancelable && (task.state === 'queued' || task.state === 'running'),
    isBackgroundTask: false,
    clusterExtIds: [task.tenant],
    numberOfSubtasks: task.childIds.length,
    numberOfEntitiesAffected: task.entity ? 1 : 0,
    ownedBy: {
      extId: '00000000-0000-0000-0000-000000000000',
      name: task.owner,
      $reserved: reserved,
      $objectType: 'prism.v4.config.OwnerReference',
    },
    $reserved: reserved,
    $objectType: 'prism.v4.config.Task',
  };
  if (task.startedAt) out.startedTime = task.startedAt.toISOString();
  if (task.completedAt) out.completedTime = task.completedAt.toISOString();
  if (task.parentId) out.parentTask = ref(task.parentId);
  if (task.rootId) out.rootTask = ref(task.rootId);
  if (task.childIds.length) out.subTasks = task.childIds.map(ref);
  if (task.entity) {
    out.entitiesAffected = [
      { extId: task.entity.id, rel: task.entity.type, name: task.entity.name, $reserved: reserved, $objectType: 'prism.v4.config.EntityReference' },
    ];
  }
  if (task.steps.length) {
    out.subSteps = task.steps.map((s) => ({ name: s.name, $reserved: reserved, $objectType: 'prism.v4.config.TaskStep' }));
  }
  if (task.state === 'failed' && task.errorMessage) {
    out.errorMessages = [
      {
        message: task.errorMessage,
        severity: 'ERROR',
        code: task.errorCode ?? 'PRISM-50000',
        locale: 'en-US',
        errorGroup: 'TASK_FAILED',
        $reserved: reserved,
        $objectType: 'prism.v4.error.AppMessage',
      },
    ];
    out.legacyErrorMessage = task.errorMessage;
  }
  if (task.state === 'succeeded' && task.entity) {
    out.completionDetails = [{ name: 'entityExtId', value: task.entity.id, $reserved: reserved, $objectType: 'common.v1.config.KVPair' }];
  }
  return out;
}

export function envelope(data: unknown, objectType: string, version: string, metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    $reserved: { $fv: fvOf(version) },
    $objectType: objectType,
    metadata: { $reserved: { $fv: 'v1.r0' }, $objectType: 'common.v1.response.ApiResponseMetadata', ...metadata },
  };
  if (data !== undefined) out.data = data;
  return out;
}

export function flags(hasError: boolean, isPaginated: boolean): unknown[] {
  return [
    { $objectType: 'common.v1.config.Flag', name: 'hasError', value: hasError },
    { $objectType: 'common.v1.config.Flag', name: 'isPaginated', value: isPaginated },
  ];
}

/**
 * The error envelope: `data` is a prism.v4.error.ErrorResponse holding a list of AppMessage
 * (shape of prism-go-client converged/v4/errors_test.go, with the prism namespace).
 */
export function errorBody(version: string, code: string, message: string, errorGroup = 'GENERIC'): string {
  const body = envelope(
    {
      $errorItemDiscriminator: 'List<prism.v4.error.AppMessage>',
      error: [{ $objectType: 'prism.v4.error.AppMessage', code, message, severity: 'ERROR', locale: 'en-US', errorGroup }],
      $reserved: { $fv: fvOf(version) },
      $objectType: 'prism.v4.error.ErrorResponse',
    },
    'prism.v4.config.GetTaskApiResponse',
    version,
    { flags: flags(true, false) },
  );
  return JSON.stringify({ $dataItemDiscriminator: 'prism.v4.error.ErrorResponse', ...body });
}
