/**
 * vCD XML as a cell writes it (reference §1): Task (TaskType, with nested `<Tasks>`, Owner,
 * Error, User, Organization, Progress, Details, VcTaskList from 33.0), TaskRecord /
 * AdminTaskRecord, QueryResultRecords, Error, SupportedVersions, Session, Org and OrgList.
 * Timestamps carry milliseconds and a UTC offset, as in the captured payloads.
 */
import { escapeXml } from '../../adapters/xml.js';
import { isSimTerminal, type SimTask } from '../task-world.js';
import { entityHref, operationName, vcdStatus, vcTaskFor } from './catalog.js';
import { isSystem, ORGS, stableUuid, USERS, type SimOrg, type SimUser } from './directory.js';

export const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const TASK_TYPE = 'application/vnd.vmware.vcloud.task+xml';
export const RECORDS_TYPE = 'application/vnd.vmware.vcloud.query.records+xml';
export const ERROR_TYPE = 'application/vnd.vmware.vcloud.error+xml';
/** Task expiry: the captured tasks expire 90 days after they start. */
const EXPIRY_MS = 90 * 24 * 3600 * 1000;
/** The cell's clock runs one hour ahead of UTC, so every parser meets an offset. */
const OFFSET_MINUTES = 60;
/** The vCenter behind the cell (VcTask virtualCenterID; its exact form is UNCONFIRMED). */
export const VCENTER_ID = '5f1c3b6e-0d2a-4c8e-9b7a-2e4d6f8a0c1e';

export interface RenderContext {
  origin: string;
  apiVersion: string;
  now: number;
  /** System administrators also see Error stackTrace. */
  viewerIsSystem: boolean;
  lookup(id: string): SimTask | undefined;
}

export function time(date: Date | number): string {
  const local = new Date((typeof date === 'number' ? date : date.getTime()) + OFFSET_MINUTES * 60_000);
  const sign = OFFSET_MINUTES >= 0 ? '+' : '-';
  const abs = Math.abs(OFFSET_MINUTES);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return local.toISOString().replace('Z', offset);
}

export function attrs(pairs: Record<string, string | number | boolean | undefined | null>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function versionAtLeast(version: string, major: number): boolean {
  return Number.parseFloat(version) >= major;
}

export function orgOfTask(task: SimTask): SimOrg {
  return ORGS.find((o) => o.name === task.tenant) ?? ORGS[1]!;
}

export function userOf(name: string): SimUser | { name: string; uuid: string } {
  return USERS.find((u) => u.name === name) ?? { name, uuid: stableUuid('user', name) };
}

export function taskHref(origin: string, task: SimTask): string {
  return `${origin}/api/task/${task.id}`;
}

/** The description with the entity id, as vCD writes it: "Creating Virtual Application web-3(<uuid>)". */
function operationText(task: SimTask): string {
  if (task.external || !task.entity) return task.description;
  return `${task.description}(${task.entity.id.replace(/^vapp-/, '')})`;
}

function errorElement(task: SimTask, ctx: RenderContext): string {
  const major = task.extra.errorMajor ?? '500';
  const minor = task.extra.errorMinor ?? 'INTERNAL_SERVER_ERROR';
  const message = task.errorMessage ?? 'The operation failed.';
  const stackTrace = ctx.viewerIsSystem
    ? `com.vmware.vcloud.api.presentation.service.InternalServerErrorException: ${message}\n\tat com.vmware.vcloud.tasks.TaskExecutor.run(TaskExecutor.java:214)`
    : undefined;
  return `<Error${attrs({ majorErrorCode: major, message, minorErrorCode: minor, stackTrace })}/>`;
}

function vcTaskList(task: SimTask, ctx: RenderContext, status: string): string {
  const vc = vcTaskFor(task);
  if (!vc || !versionAtLeast(ctx.apiVersion, 33) || !task.startedAt) return '';
  const vimStatus = status === 'success' ? 'success' : status === 'error' || status === 'aborted' || status === 'canceled' ? 'error' : 'running';
  const entityNo = task.entity?.id.replace(/[^0-9]/g, '').slice(-4) ?? '1';
  return (
    `<VcTaskList><VcTask${attrs({
      name: vc.name,
      // A demo links this to a real task of its vSphere simulator (src/simulators/links.ts).
      moref: task.extra.vcMoref ?? `task-${1000 + task.seq}`,
      status: vimStatus,
      description: vc.description,
      errorMessage: vimStatus === 'error' ? (task.errorMessage ?? undefined) : undefined,
      objectName: task.entity?.name,
      objectType: 'VirtualMachine',
      objectMoref: `vm-${Number(entityNo) + 100}`,
      virtualCenterID: VCENTER_ID,
      startTime: time(task.startedAt),
      endTime: task.completedAt ? time(task.completedAt) : undefined,
    })}/></VcTaskList>`
  );
}

/** A Task element; `root` adds the namespace declarations of a document root. */
export function renderTask(task: SimTask, ctx: RenderContext, root = true): string {
  const status = vcdStatus(task, ctx.now);
  const href = taskHref(ctx.origin, task);
  const org = orgOfTask(task);
  const user = userOf(task.owner);
  const entity = entityHref(ctx.origin, task);
  const head = attrs({
    cancelRequested: task.cancelRequested,
    endTime: task.completedAt ? time(task.completedAt) : undefined,
    expiryTime: time(task.createdAt.getTime() + EXPIRY_MS),
    operation: operationText(task),
    operationName: operationName(task),
    serviceNamespace: task.extra.serviceNamespace ?? 'com.vmware.vcloud',
    startTime: time(task.createdAt),
    status,
    name: 'task',
    id: `urn:vcloud:task:${task.id}`,
    href,
    type: TASK_TYPE,
  });
  const parts: string[] = [];
  if (task.cancelable && !isSimTerminal(task.state) && !task.external) {
    parts.push(`<Link${attrs({ rel: 'task:cancel', href: `${href}/action/cancel` })}/>`);
  }
  if (task.external) parts.push(`<Link${attrs({ href, name: 'task', rel: 'edit', type: TASK_TYPE })}/>`);
  const subtasks = task.childIds.map((id) => ctx.lookup(id)).filter((t): t is SimTask => t !== undefined);
  if (subtasks.length) parts.push(`<Tasks>${subtasks.map((t) => renderTask(t, ctx, false)).join('')}</Tasks>`);
  if (entity) parts.push(`<Owner${attrs({ href: entity.href, name: entity.name, type: entity.type || undefined })}/>`);
  if (status === 'error' && (task.errorMessage || !task.external)) parts.push(errorElement(task, ctx));
  parts.push(`<User${attrs({ href: `${ctx.origin}/api/admin/user/${user.uuid}`, name: user.name, type: 'application/vnd.vmware.admin.user+xml' })}/>`);
  parts.push(`<Organization${attrs({ href: `${ctx.origin}/api/org/${org.uuid}`, name: org.name, type: 'application/vnd.vmware.vcloud.org+xml' })}/>`);
  // Progress is omitted on tasks that have not started (as on the captured queued task).
  if (status !== 'queued' && status !== 'preRunning') parts.push(`<Progress>${task.progress}</Progress>`);
  const details = task.details ?? (status === 'error' ? task.errorMessage : null);
  parts.push(details ? `<Details>${escapeXml(details)}</Details>` : '<Details/>');
  parts.push(vcTaskList(task, ctx, status));
  if (task.result && status === 'success' && !task.external) {
    parts.push(`<Result><ResultContent xsi:type="xs:string" xmlns:xs="http://www.w3.org/2001/XMLSchema">${escapeXml(task.result)}</ResultContent></Result>`);
  }
  const ns = root ? ` xmlns="${VCLOUD_NS}" ${XSI}` : '';
  return `${root ? XML_DECL : ''}<Task${ns}${head}>${parts.join('')}</Task>`;
}

/** The attributes of a TaskRecord / AdminTaskRecord (QueryResult*TaskRecordType docs). */
export function recordAttributes(task: SimTask, ctx: Pick<RenderContext, 'origin' | 'now'>, admin: boolean): Record<string, string> {
  const status = vcdStatus(task, ctx.now);
  const org = orgOfTask(task);
  const user = userOf(task.owner);
  const entity = entityHref(ctx.origin, task);
  const out: Record<string, string | undefined> = {
    href: taskHref(ctx.origin, task),
    id: `urn:vcloud:task:${task.id}`,
    org: `${ctx.origin}/api/org/${org.uuid}`,
    orgName: org.name,
    name: operationName(task),
    operationFull: operationText(task),
    message: admin ? undefined : (task.errorMessage ?? task.details ?? undefined),
    startDate: time(task.createdAt),
    endDate: task.completedAt ? time(task.completedAt) : undefined,
    status,
    progress: String(task.progress),
    ownerName: user.name,
    owner: admin ? `${ctx.origin}/api/admin/user/${user.uuid}` : undefined,
    object: entity?.href,
    objectType: entity?.shortType,
    objectName: entity?.name,
    serviceNamespace: task.extra.serviceNamespace ?? 'com.vmware.vcloud',
    cellName: admin ? 'vcd-cell-01' : undefined,
    hasOwner: admin ? 'true' : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface QueryPageView {
  name: string;
  href: string;
  page: number;
  pageSize: number;
  total: number;
  links: Array<{ rel: string; href: string; type: string }>;
  records: Array<Record<string, string>>;
  recordElement: 'TaskRecord' | 'AdminTaskRecord';
}

export function renderQueryPage(view: QueryPageView): string {
  const links = view.links.map((l) => `<Link${attrs(l)}/>`).join('\n  ');
  const records = view.records.map((r) => `<${view.recordElement}${attrs(r)}/>`).join('\n  ');
  return (
    `${XML_DECL}<QueryResultRecords xmlns="${VCLOUD_NS}"${attrs({ total: view.total, pageSize: view.pageSize, page: view.page, name: view.name, type: RECORDS_TYPE, href: view.href })} ${XSI}>\n  ` +
    `${links}\n  ${records}\n</QueryResultRecords>`
  );
}

export function renderError(status: number, minorErrorCode: string, message: string): string {
  return `${XML_DECL}<Error xmlns="${VCLOUD_NS}"${attrs({ minorErrorCode, message, majorErrorCode: status })} ${XSI}/>`;
}

export function renderVersions(versions: Array<{ version: string; deprecated: boolean }>, origin: string): string {
  const infos = versions.map(
    (v, i) =>
      `<VersionInfo deprecated="${v.deprecated}"><Version>${escapeXml(v.version)}</Version><LoginUrl>${origin}/api/sessions</LoginUrl>` +
      // One MediaTypeMapping, as cells list them, to keep parsers tolerant of it.
      (i === 0 ? `<MediaTypeMapping><MediaType>${TASK_TYPE}</MediaType><ComplexTypeName>TaskType</ComplexTypeName><SchemaLocation>${origin}/api/v1.5/schema/task.xsd</SchemaLocation></MediaTypeMapping>` : '') +
      '</VersionInfo>',
  );
  return `${XML_DECL}<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions" ${XSI}>\n  ${infos.join('\n  ')}\n</SupportedVersions>`;
}

export function renderSession(user: SimUser, org: SimOrg, origin: string): string {
  const orgs = isSystem(org) ? ORGS : [org];
  const links = [
    `<Link rel="down" type="application/vnd.vmware.vcloud.orgList+xml" href="${origin}/api/org/"/>`,
    `<Link rel="remove" href="${origin}/api/session/"/>`,
    ...orgs.map((o) => `<Link${attrs({ rel: 'down', type: 'application/vnd.vmware.vcloud.org+xml', name: o.name, href: `${origin}/api/org/${o.uuid}` })}/>`),
    `<Link rel="down" type="application/vnd.vmware.vcloud.query.queryList+xml" href="${origin}/api/query"/>`,
  ];
  return (
    `${XML_DECL}<Session xmlns="${VCLOUD_NS}" ${XSI}${attrs({ locationId: `${org.uuid}@vcd-sim`, org: org.name, roles: isSystem(org) ? 'System Administrator' : 'Organization Administrator', user: user.name, userId: `urn:vcloud:user:${user.uuid}`, href: `${origin}/api/session/`, type: 'application/vnd.vmware.vcloud.session+xml' })}>` +
    `${links.join('')}</Session>`
  );
}

export function renderOrg(org: SimOrg, origin: string): string {
  return (
    `${XML_DECL}<Org xmlns="${VCLOUD_NS}" ${XSI}${attrs({ name: org.name, id: `urn:vcloud:org:${org.uuid}`, href: `${origin}/api/org/${org.uuid}`, type: 'application/vnd.vmware.vcloud.org+xml' })}>` +
    `<Link rel="down" type="application/vnd.vmware.vcloud.tasksList+xml" href="${origin}/api/tasksList/${org.uuid}"/>` +
    `<Link rel="down" type="application/vnd.vmware.vcloud.metadata+xml" href="${origin}/api/org/${org.uuid}/metadata"/>` +
    `<Description/><FullName>${escapeXml(org.name)}</FullName></Org>`
  );
}

export function renderOrgList(orgs: readonly SimOrg[], origin: string): string {
  const items = orgs.map((o) => `<Org${attrs({ href: `${origin}/api/org/${o.uuid}`, name: o.name, type: 'application/vnd.vmware.vcloud.org+xml' })}/>`);
  return `${XML_DECL}<OrgList xmlns="${VCLOUD_NS}" ${XSI}${attrs({ href: `${origin}/api/org/`, type: 'application/vnd.vmware.vcloud.orgList+xml' })}>${items.join('')}</OrgList>`;
}

/** TasksList in the doc form (`<Tasks>` under the root; govcd expects Task directly: UNCONFIRMED). */
export function renderTasksList(org: SimOrg, tasks: SimTask[], ctx: RenderContext): string {
  return (
    `${XML_DECL}<TasksList xmlns="${VCLOUD_NS}" ${XSI}${attrs({ name: 'Tasks Lists', href: `${ctx.origin}/api/tasksList/${org.uuid}`, type: 'application/vnd.vmware.vcloud.tasksList+xml' })}>` +
    `<Tasks>${tasks.map((t) => renderTask(t, ctx, false)).join('')}</Tasks></TasksList>`
  );
}
