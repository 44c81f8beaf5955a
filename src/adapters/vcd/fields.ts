/**
 * Select pushdown for the query service: the `fields` parameter of
 * `GET /api/query?type=task&format=records&fields=a,b,...`.
 *
 * `fields` is a "comma-separated list of attribute names or metadata key names to return"; by
 * default a record carries all its static attributes (vCloud API programming guide, "Query
 * Parameters", pubs.vmware.com/vca/topic/com.vmware.vcloud.api.doc_56/GUID-CDF04296-5EB5-47E1-9BEC-228837C584CE.html).
 * pyvcloud `_AbstractQuery._build_query_uri` appends it as is (`&fields=` + the names);
 * go-vcloud-director `govcd/query_metadata.go` sends `fields=` with the attribute names it wants
 * back (for `task`/`adminTask`: href, id, type, org, orgName, name, operationFull, message,
 * startDate, endDate, status, progress, ownerName, object, objectType, objectName,
 * serviceNamespace), because "when we request metadata fields, we must also list the regular
 * fields that we want in the result". A record keeps its `href` either way (the
 * QueryResultRecordType base attributes are "always" there).
 *
 * Only names from those lists are sent, so what vCD answers for an unknown name never comes
 * up (UNCONFIRMED; the simulator ignores unknown names, see src/simulators/vcd/query.ts).
 */
import { filterReads, type TaskFilter } from '../../model/filter.js';
import type { TaskField } from '../../model/task.js';

/** The TaskRecord / AdminTaskRecord attributes recordToModel (map.ts) reads for each model field. */
const RECORD_ATTRIBUTES: Readonly<Record<TaskField, readonly string[]>> = {
  backend: [],
  backendType: [],
  // From `href`, which every record carries.
  nativeId: [],
  operation: ['name'],
  description: ['operationFull'],
  status: ['status'],
  nativeStatus: ['status'],
  progress: ['progress'],
  progressMessage: [],
  createdAt: ['startDate'],
  startedAt: ['startDate', 'status'],
  completedAt: ['endDate'],
  lastUpdatedAt: [],
  expiresAt: [],
  isCancelable: [],
  cancelRequested: [],
  // `owner` is an AdminTaskRecord attribute only (dropped below for `task`).
  initiatedBy: ['ownerName', 'owner'],
  tenant: ['orgName'],
  entitiesAffected: ['object', 'objectType', 'objectName'],
  parentId: [],
  rootId: [],
  embeddedSubtasks: [],
  subtaskCount: [],
  steps: [],
  // `message` is a TaskRecord attribute only (dropped below for `adminTask`).
  errors: ['message', 'status'],
  warnings: [],
  result: [],
  completionDetails: [],
  relatedTasks: [],
};

/** Attributes of one query type only (QueryResultTaskRecordType / QueryResultAdminTaskRecordType docs). */
const ONLY_ON: Readonly<Record<string, 'task' | 'adminTask'>> = { message: 'task', owner: 'adminTask' };

/**
 * Always asked for: `startDate` is the sort key and keyset position (sortTime), and `status`
 * tells the prefetch (prefetch.ts) which listed tasks are unfinished.
 */
const ALWAYS: readonly TaskField[] = ['createdAt', 'status'];

export interface FieldsQuery {
  /** The model fields the caller reads (ListQuery.select). */
  select: ReadonlySet<TaskField>;
  filter: TaskFilter;
  queryType: 'task' | 'adminTask';
  /**
   * The records are returned for the caller to complete (listing.ts `recordsOnly`): then only
   * what orders, pages and filters them is needed, as the caller replaces each with its task.
   * Otherwise a record stands in for a task that cannot be re-read, so it carries the selection.
   */
  recordsOnly: boolean;
}

/** The `fields` names for a list, in a stable order. */
export function vcdQueryFields(query: FieldsQuery): string[] {
  const wanted = new Set<string>();
  const fields = [...ALWAYS, ...filterReads(query.filter), ...(query.recordsOnly ? [] : query.select)];
  for (const field of fields) {
    for (const attribute of RECORD_ATTRIBUTES[field]) {
      const only = ONLY_ON[attribute];
      if (!only || only === query.queryType) wanted.add(attribute);
    }
  }
  return [...wanted];
}
