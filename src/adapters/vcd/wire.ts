/**
 * VMware Cloud Director (legacy XML API) payloads, narrowed from parsed XML.
 *
 * Element and attribute names: TaskType, QueryResultTaskRecordType,
 * QueryResultAdminTaskRecordType, QueryResultRecordsType, ErrorType, VcTaskType, SessionType
 * (developer.broadcom.com/xapis/vmware-cloud-director-api/latest/doc/types/*), govcd
 * `types/v56/types.go` and `govcd/api_vcd_versions.go` (reference §1). Everything is matched by
 * local name, so `vcloud:Task` and a default-namespace `Task` read the same; unknown elements
 * and attributes are ignored; optional parts may be missing. The Error `stackTrace` attribute is
 * never read: it must not travel further than this file.
 */
import { child, childText, children, type XmlElement } from '../xml.js';

export interface VcdLink {
  rel: string;
  href: string;
  type?: string;
  name?: string;
}

/** ReferenceType: Owner, User, Organization. */
export interface VcdReference {
  href?: string;
  id?: string;
  type?: string;
  name?: string;
}

/** ErrorType without `stackTrace` (returned to system administrators only; never kept). */
export interface VcdError {
  message?: string;
  majorErrorCode?: string;
  minorErrorCode?: string;
  vendorSpecificErrorCode?: string;
  /** TenantError (since 5.7): what a tenant is shown instead of a provider-only message. */
  tenantMessage?: string;
}

/** VcTaskType (since 33.0): a vCenter task this vCD task drives. */
export interface VcdVcTask {
  name?: string;
  moref?: string;
  status?: string;
  description?: string;
  errorMessage?: string;
  objectName?: string;
  objectType?: string;
  objectMoref?: string;
  virtualCenterID?: string;
  startTime?: string;
  endTime?: string;
}

export interface VcdTask {
  href?: string;
  id?: string;
  type?: string;
  name?: string;
  status?: string;
  operation?: string;
  operationName?: string;
  serviceNamespace?: string;
  startTime?: string;
  endTime?: string;
  expiryTime?: string;
  cancelRequested: boolean;
  links: VcdLink[];
  description?: string;
  /** Nested `<Tasks>`; null when the element is absent. */
  tasks: VcdTask[] | null;
  owner?: VcdReference;
  error?: VcdError;
  user?: VcdReference;
  organization?: VcdReference;
  progress?: number;
  /** Leaf elements of `<Params>` (anyType), as name/text pairs. */
  params: Array<{ name: string; value: string | null }>;
  details?: string;
  vcTasks: VcdVcTask[];
  /** `Result/ResultContent` text and its type (govcd TaskResult). */
  result?: { text?: string; type?: string };
}

/** TaskRecord or AdminTaskRecord (the admin one has no `message`; adds owner, cellName, hasOwner). */
export interface VcdTaskRecord {
  kind: 'TaskRecord' | 'AdminTaskRecord';
  href?: string;
  id?: string;
  org?: string;
  orgName?: string;
  /** The operation name, e.g. vdcInstantiateVapp. */
  name?: string;
  operationFull?: string;
  message?: string;
  startDate?: string;
  endDate?: string;
  status?: string;
  progress?: number;
  ownerName?: string;
  owner?: string;
  object?: string;
  objectType?: string;
  objectName?: string;
  serviceNamespace?: string;
}

export interface VcdQueryPage {
  name?: string;
  page?: number;
  pageSize?: number;
  total?: number;
  records: VcdTaskRecord[];
  links: VcdLink[];
}

export interface VcdVersionInfo {
  version: string;
  deprecated: boolean;
  loginUrl?: string;
}

/** SessionType (legacy login and GET /api/session). */
export interface VcdSession {
  user?: string;
  org?: string;
  userId?: string;
  links: VcdLink[];
}

/** OrgType / OrgListType: just the links and org references we need. */
export interface VcdOrg {
  name?: string;
  href?: string;
  links: VcdLink[];
}

const TASK_RECORD_KINDS = new Set(['TaskRecord', 'AdminTaskRecord']);

function attr(el: XmlElement, name: string): string | undefined {
  const value = el.attrs[name];
  return value === undefined || value === '' ? undefined : value;
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

function links(el: XmlElement): VcdLink[] {
  return children(el, 'Link')
    .filter((l) => l.attrs.href && l.attrs.rel)
    .map((l) => ({ rel: l.attrs.rel!, href: l.attrs.href!, type: attr(l, 'type'), name: attr(l, 'name') }));
}

function reference(el: XmlElement | undefined): VcdReference | undefined {
  if (!el) return undefined;
  return { href: attr(el, 'href'), id: attr(el, 'id'), type: attr(el, 'type'), name: attr(el, 'name') };
}

/** ErrorType, as a top-level body or inside a Task. `stackTrace` is deliberately not read. */
export function narrowError(el: XmlElement | undefined): VcdError | undefined {
  if (!el || el.name !== 'Error') return undefined;
  const tenant = child(el, 'TenantError');
  return {
    message: attr(el, 'message'),
    majorErrorCode: attr(el, 'majorErrorCode'),
    minorErrorCode: attr(el, 'minorErrorCode'),
    vendorSpecificErrorCode: attr(el, 'vendorSpecificErrorCode'),
    tenantMessage: tenant ? attr(tenant, 'message') : undefined,
  };
}

function vcTask(el: XmlElement): VcdVcTask {
  const a = (n: string) => attr(el, n);
  return {
    name: a('name'),
    moref: a('moref'),
    status: a('status'),
    description: a('description'),
    errorMessage: a('errorMessage'),
    objectName: a('objectName'),
    objectType: a('objectType'),
    objectMoref: a('objectMoref'),
    virtualCenterID: a('virtualCenterID'),
    startTime: a('startTime'),
    endTime: a('endTime'),
  };
}

function params(el: XmlElement | undefined): VcdTask['params'] {
  if (!el) return [];
  return el.children.map((c) => {
    const text = c.text.trim();
    return { name: c.name, value: c.children.length === 0 && text ? text : (attr(c, 'value') ?? null) };
  });
}

/** Narrows a `Task` element (root of GET /api/task/{id}, or nested in `<Tasks>`). */
export function narrowTask(el: XmlElement | undefined): VcdTask | undefined {
  if (!el || el.name !== 'Task') return undefined;
  const href = attr(el, 'href');
  const id = attr(el, 'id');
  if (!href && !id) return undefined; // cannot be addressed
  const tasksEl = child(el, 'Tasks');
  const resultContent = child(child(el, 'Result'), 'ResultContent');
  const cancel = attr(el, 'cancelRequested');
  return {
    href,
    id,
    type: attr(el, 'type'),
    name: attr(el, 'name'),
    status: attr(el, 'status'),
    operation: attr(el, 'operation'),
    operationName: attr(el, 'operationName'),
    serviceNamespace: attr(el, 'serviceNamespace'),
    startTime: attr(el, 'startTime'),
    endTime: attr(el, 'endTime'),
    expiryTime: attr(el, 'expiryTime'),
    cancelRequested: cancel?.trim().toLowerCase() === 'true',
    links: links(el),
    description: childText(el, 'Description'),
    tasks: tasksEl ? children(tasksEl, 'Task').map(narrowTask).filter((t): t is VcdTask => t !== undefined) : null,
    owner: reference(child(el, 'Owner')),
    error: narrowError(child(el, 'Error')),
    user: reference(child(el, 'User')),
    organization: reference(child(el, 'Organization')),
    progress: int(childText(el, 'Progress')),
    params: params(child(el, 'Params')),
    details: childText(el, 'Details'),
    vcTasks: children(child(el, 'VcTaskList'), 'VcTask').map(vcTask),
    result: resultContent
      ? { text: resultContent.text.trim() || undefined, type: attr(resultContent, 'xsi:type') ?? attr(resultContent, 'type') }
      : undefined,
  };
}

function narrowRecord(el: XmlElement): VcdTaskRecord | undefined {
  if (!TASK_RECORD_KINDS.has(el.name)) return undefined;
  const a = (n: string) => attr(el, n);
  if (!a('href') && !a('id')) return undefined;
  return {
    kind: el.name as VcdTaskRecord['kind'],
    href: a('href'),
    id: a('id'),
    org: a('org'),
    orgName: a('orgName'),
    name: a('name'),
    operationFull: a('operationFull'),
    message: a('message'),
    startDate: a('startDate'),
    endDate: a('endDate'),
    status: a('status'),
    progress: int(a('progress')),
    ownerName: a('ownerName'),
    owner: a('owner'),
    object: a('object'),
    objectType: a('objectType'),
    objectName: a('objectName'),
    serviceNamespace: a('serviceNamespace'),
  };
}

/**
 * A `QueryResultRecords` page. Task records must all be addressable; other record kinds
 * (a query for another type) make the page malformed rather than silently empty.
 */
export function narrowQueryPage(root: XmlElement): VcdQueryPage | undefined {
  if (root.name !== 'QueryResultRecords') return undefined;
  const records: VcdTaskRecord[] = [];
  for (const el of root.children) {
    if (el.name === 'Link') continue;
    if (!el.name.endsWith('Record')) continue; // e.g. a VCloudExtension element
    const record = narrowRecord(el);
    if (!record) return undefined;
    records.push(record);
  }
  return {
    name: attr(root, 'name'),
    page: int(attr(root, 'page')),
    pageSize: int(attr(root, 'pageSize')),
    total: int(attr(root, 'total')),
    records,
    links: links(root),
  };
}

/** `SupportedVersions` from GET /api/versions (govcd VersionInfo; pyvcloud skips deprecated ones). */
export function narrowVersions(root: XmlElement): VcdVersionInfo[] | undefined {
  if (root.name !== 'SupportedVersions') return undefined;
  return children(root, 'VersionInfo')
    .map((v) => ({
      version: childText(v, 'Version') ?? '',
      deprecated: v.attrs.deprecated?.trim().toLowerCase() === 'true',
      loginUrl: childText(v, 'LoginUrl'),
    }))
    .filter((v) => v.version !== '');
}

export function narrowSession(root: XmlElement): VcdSession | undefined {
  if (root.name !== 'Session') return undefined;
  return { user: attr(root, 'user'), org: attr(root, 'org'), userId: attr(root, 'userId'), links: links(root) };
}

/** `Org` (its links) or `OrgList` (its `Org` references, returned as links with rel "down"). */
export function narrowOrg(root: XmlElement): VcdOrg | undefined {
  if (root.name === 'Org') return { name: attr(root, 'name'), href: attr(root, 'href'), links: links(root) };
  if (root.name === 'OrgList') {
    const orgs = children(root, 'Org')
      .filter((o) => o.attrs.href)
      .map((o) => ({ rel: 'down', href: o.attrs.href!, type: attr(o, 'type'), name: attr(o, 'name') }));
    return { href: attr(root, 'href'), links: orgs };
  }
  return undefined;
}
