/**
 * The UPID, Proxmox VE's task id: `UPID:$node:$pid:$pstart:$starttime:$type:$id:$user:`.
 * Format and grammar from pve-common `src/PVE/UPID.pm` (`encode`, `decode`, the successor of
 * `PVE::Tools::upid_decode`), test cases in its `test/upid-test.pl`:
 * - node: a host name, `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`;
 * - pid and starttime: exactly 8 hex digits (written `%08X`); pstart (the process start in
 *   clock ticks since boot) 8 or 9, since it outgrows 32 bits after 497 days of uptime;
 * - type (`qmstart`, `vzdump` ...): no `:`, `/` or white space, not empty; id (a guest id, a
 *   storage, or empty): the same but may be empty; user: a user id `root@pam` or an API token
 *   id `root@pam!automation`;
 * - a trailing `:`.
 */

export interface Upid {
  node: string;
  pid: number;
  /** Start of the worker process, in clock ticks since the node booted. */
  pstart: number;
  /** Start of the task, in seconds since the epoch. */
  starttime: number;
  type: string;
  /** The object the task acts on (a guest's vmid, a storage id, a service), or ''. */
  id: string;
  /** `user@realm`, or `user@realm!tokenname` when an API token started it. */
  user: string;
}

const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** The parts of a UPID, or null when it is not one (PVE::UPID::decode with `$noerr`). */
export function decodeUpid(text: string): Upid | null {
  const m = UPID_PATTERN.exec(text);
  if (!m) return null;
  return {
    node: m[1]!,
    pid: parseInt(m[2]!, 16),
    pstart: parseInt(m[3]!, 16),
    starttime: parseInt(m[4]!, 16),
    type: m[5]!,
    id: m[6]!,
    user: m[7]!,
  };
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** The UPID of these parts, as PVE::UPID::encode writes it (`%08X` for the numbers). */
export function encodeUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex8(upid.pid)}:${hex8(upid.pstart)}:${hex8(upid.starttime)}:${upid.type}:${upid.id}:${upid.user}:`;
}

/**
 * A task user split into the user id and the API token name, as pve-manager's Tasks.pm does
 * for its answers (`split_tokenid`: `root@pam!ci` is user `root@pam`, token `ci`).
 */
export function splitTokenUser(user: string): { userid: string; tokenName: string | null } {
  const at = user.indexOf('@');
  const bang = user.indexOf('!', at + 1);
  if (at === -1 || bang === -1) return { userid: user, tokenName: null };
  return { userid: user.slice(0, bang), tokenName: user.slice(bang + 1) };
}
