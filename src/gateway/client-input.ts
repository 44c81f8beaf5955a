/**
 * Bounds and shapes of the values clients give (cursors, ids, dates, filters), checked where
 * they are decoded: a value out of shape is the client's mistake (BAD_USER_INPUT), never an
 * exception of the gateway's own code inside an adapter call, which the circuit breaker and
 * `/readyz` would count against the backend for every tenant.
 */
import { decodeTaskId, type TaskKey } from '../model/global-id.js';
import { userInputError } from './errors.js';

/** Earliest and latest times a cursor or filter may name: ISO 8601's four-digit years (0000-01-01 to 9999-12-31). */
export const MIN_TIME = -62_167_219_200_000;
export const MAX_TIME = 253_402_300_799_999;

/** Longest native id, entity id, operation or type name read from a client. */
export const MAX_NAME_LENGTH = 256;
/** Most values in one list of a filter. */
export const MAX_LIST_ITEMS = 100;

/**
 * A native id as the backends make them (vCD `urn:vcloud:task:<uuid>`, Prism `ZXJnb24=:<uuid>`,
 * vim `task-123`, vSphere REST `<uuid>:<service>`, Proxmox UPIDs): printable, without
 * whitespace, and without what would change the URL it goes into (`/ \ ? # %`).
 */
const NATIVE_ID = /^[^\s/\\?#%"'<>\p{Cc}]+$/u;
/** A name (operation, entity type): printable, no control characters. */
const NAME = /^[^\p{Cc}]+$/u;

/** A time (ms since the epoch) within MIN_TIME..MAX_TIME, as a safe integer. */
export function checkTime(value: unknown, arg: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MIN_TIME || value > MAX_TIME) {
    throw userInputError(`${arg}: not a time this API gives out`, { argument: arg });
  }
  return value;
}

/** A date within MIN_TIME..MAX_TIME. */
export function checkDate(value: Date | string, arg: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time) || time < MIN_TIME || time > MAX_TIME) throw userInputError(`${arg}: not a date-time between years 0000 and 9999`, { argument: arg });
  return date;
}

export function checkNativeId(value: unknown, arg: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH || !NATIVE_ID.test(value)) {
    throw userInputError(`${arg}: not an id of this API (at most ${MAX_NAME_LENGTH} printable characters, no whitespace or / \\ ? # %)`, { argument: arg });
  }
  return value;
}

export function checkName(value: string, arg: string): string {
  if (value.length === 0 || value.length > MAX_NAME_LENGTH || !NAME.test(value)) {
    throw userInputError(`${arg}: at most ${MAX_NAME_LENGTH} printable characters`, { argument: arg });
  }
  return value;
}

export function checkList<T>(values: readonly T[], arg: string): readonly T[] {
  if (values.length > MAX_LIST_ITEMS) throw userInputError(`${arg}: at most ${MAX_LIST_ITEMS} values`, { argument: arg, limit: MAX_LIST_ITEMS });
  return values;
}

/** Longest global id read (base64url of `Task:<backend>:<native id>`). */
const MAX_GLOBAL_ID_LENGTH = 2 * MAX_NAME_LENGTH;

/** The key of a task id of this API whose native id is in shape, else null (no exception). */
export function wellFormedTaskKey(id: string): TaskKey | null {
  if (id.length > MAX_GLOBAL_ID_LENGTH) return null;
  const key = decodeTaskId(id);
  return key && key.nativeId.length <= MAX_NAME_LENGTH && NATIVE_ID.test(key.nativeId) ? key : null;
}

/**
 * The backend and native id of a client's task id: null when it is not a task id of this API
 * (callers answer as for a missing task); BAD_USER_INPUT when it is, with a native id out of shape.
 */
export function clientTaskKey(id: string, arg: string): TaskKey | null {
  if (id.length > MAX_GLOBAL_ID_LENGTH) throw userInputError(`${arg}: not a task id of this API`, { argument: arg });
  const key = decodeTaskId(id);
  if (key) checkNativeId(key.nativeId, arg);
  return key;
}
