/**
 * Proxmox VE API payloads, narrowed from unknown. Sources:
 * - the envelope: pve-http-server `src/PVE/APIServer/Formatter/Standard.pm`
 *   (`prepare_response_data`): `{"data": ...}`, plus `total` when it is not 0 (list calls
 *   that count), `errors` (parameter name -> message) and, on an error status, `message`;
 * - `GET /nodes`: pve-manager `PVE/API2/Nodes.pm` (index): `node`, `status` one of
 *   online/offline/unknown, and load figures only an online node has;
 * - task records (`GET /nodes/{node}/tasks`, `GET /cluster/tasks`): pve-manager
 *   `PVE/API2/Tasks.pm` (node_tasks) and `PVE/API2/Cluster.pm` (tasks): the UPID's parts
 *   plus `upid`, `endtime` and `status` (the exit status) once finished; entries of the
 *   active list carry `saved` ("0"/"1": pve-common `PVE/INotify.pm` read_active_workers),
 *   and a running one listed with `source=all` has `status: "RUNNING"`; a task an API token
 *   started has `user` and `tokenid` split;
 * - `GET .../tasks/{upid}/status`: Tasks.pm (read_task_status): `status` running or stopped,
 *   `exitstatus` once stopped;
 * - `GET .../tasks/{upid}/log`: `[{n, t}]` (line number from 1, text) and `total` lines;
 * - `POST /access/ticket`: pve-access-control `src/PVE/API2/AccessControl.pm`: `ticket`,
 *   `CSRFPreventionToken`, `username`, and `NeedTFA` when a second factor is due.
 * Perl's JSON writes numbers read from files as strings at times ("saved":"0"), so numeric
 * fields accept digit strings.
 */
import { decodeUpid, type Upid } from './upid.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-negative integer, or a string of digits holding one. */
function int(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/** Seconds of the Date range (ECMA-262: ±8.64e15 ms). */
const MAX_EPOCH_SECONDS = 8.64e12;

/** Seconds since the epoch that a Date can hold; a garbled value reads as absent. */
function epochSeconds(value: unknown): number | undefined {
  const n = int(value);
  return n !== undefined && n <= MAX_EPOCH_SECONDS ? n : undefined;
}

export interface PveEnvelope {
  data: unknown;
  /** The call's `total` attribute (matching tasks, log lines); absent means 0 or not counted. */
  total: number | undefined;
  /** The error message of an error answer. */
  message: string | undefined;
  /** Parameter errors: name -> message. */
  errors: Record<string, string>;
}

/** The `{"data": ...}` envelope; undefined when the body is not one. */
export function narrowEnvelope(body: unknown): PveEnvelope | undefined {
  if (!isObj(body) || !('data' in body)) return undefined;
  const errors = isObj(body.errors)
    ? (Object.fromEntries(Object.entries(body.errors).filter(([, v]) => typeof v === 'string')) as Record<string, string>)
    : {};
  return { data: body.data, total: int(body.total), message: str(body.message)?.trim() || undefined, errors };
}

export type PveNodeStatus = 'online' | 'offline' | 'unknown';

export interface PveNode {
  node: string;
  status: PveNodeStatus;
}

/** `GET /nodes` data; undefined when malformed. An unknown status value reads as `unknown`. */
export function narrowNodes(data: unknown): PveNode[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const nodes: PveNode[] = [];
  for (const item of data) {
    const node = isObj(item) ? str(item.node) : undefined;
    if (!node) return undefined;
    const status = str((item as Obj).status);
    nodes.push({ node, status: status === 'online' || status === 'offline' ? status : 'unknown' });
  }
  return nodes;
}

/** One task of a list: its UPID decoded, and how it ended when it has. */
export interface PveTaskRecord {
  upid: string;
  parts: Upid;
  /** Seconds since the epoch, once the task has ended. */
  endtime: number | undefined;
  /** The exit status once finished (`OK`, `WARNINGS: 2`, an error), `RUNNING`, or absent. */
  status: string | undefined;
}

/** One task record; undefined when it has no valid UPID (it cannot be addressed). */
export function narrowTaskRecord(value: unknown): PveTaskRecord | undefined {
  if (!isObj(value)) return undefined;
  const upid = str(value.upid);
  const parts = upid ? decodeUpid(upid) : null;
  if (!upid || !parts) return undefined;
  const status = str(value.status);
  return { upid, parts, endtime: epochSeconds(value.endtime), status: status === '' ? undefined : status };
}

/** A task list's data; undefined when it is not a list or any record lacks a valid UPID. */
export function narrowTaskList(data: unknown): PveTaskRecord[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const records = data.map(narrowTaskRecord);
  return records.every((r) => r !== undefined) ? (records as PveTaskRecord[]) : undefined;
}

export interface PveTaskStatus {
  running: boolean;
  exitstatus: string | undefined;
}

/** `.../status` data; undefined when it says neither running nor stopped. */
export function narrowTaskStatus(data: unknown): PveTaskStatus | undefined {
  if (!isObj(data)) return undefined;
  const status = str(data.status);
  if (status !== 'running' && status !== 'stopped') return undefined;
  const exitstatus = str(data.exitstatus);
  return { running: status === 'running', exitstatus: exitstatus || undefined };
}

export interface PveLogLine {
  /** 1-based line number. */
  n: number;
  t: string;
}

/** `.../log` data; undefined when malformed. */
export function narrowLog(data: unknown): PveLogLine[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const lines: PveLogLine[] = [];
  for (const item of data) {
    const n = isObj(item) ? int(item.n) : undefined;
    const t = isObj(item) ? item.t : undefined;
    if (n === undefined || (t !== undefined && typeof t !== 'string')) return undefined;
    lines.push({ n, t: t ?? '' });
  }
  return lines;
}

export interface PveTicket {
  ticket: string;
  csrfToken: string;
  username: string;
  /** The account has a second factor: this ticket opens nothing but `/access/tfa`. */
  needTfa: boolean;
}

/** `POST /access/ticket` data; undefined when it holds no ticket. */
export function narrowTicket(data: unknown): PveTicket | undefined {
  if (!isObj(data)) return undefined;
  const ticket = str(data.ticket);
  const csrfToken = str(data.CSRFPreventionToken);
  if (!ticket || !csrfToken) return undefined;
  return { ticket, csrfToken, username: str(data.username) ?? '', needTfa: Boolean(data.NeedTFA) };
}
