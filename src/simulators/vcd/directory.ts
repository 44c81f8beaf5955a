/**
 * The simulated cell's orgs and users. The System org UUID is the one in the vCD API doc
 * examples (reference §1.2); the others are fixed so hrefs stay stable across runs.
 */
import { createHash } from 'node:crypto';

export interface SimOrg {
  name: string;
  uuid: string;
}

export interface SimUser {
  name: string;
  org: string;
  password: string;
  uuid: string;
}

/** A stable UUID for a name, so users and entities keep their hrefs across runs. */
export function stableUuid(kind: string, name: string): string {
  const h = createHash('sha1').update(`${kind}:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const SYSTEM_ORG = 'System';

export const ORGS: readonly SimOrg[] = [
  { name: SYSTEM_ORG, uuid: 'a93c9db9-7471-3192-8d09-a8f7eeda85f9' },
  { name: 'acme', uuid: '7b832bc5-3d65-45a2-8d35-da28388ab80a' },
  { name: 'globex', uuid: '1fa3fcf9-62a8-4ab9-9e2f-0f5c4f0b3d11' },
];

/** One administrator per org; `administrator@System` is the provider account. */
export const USERS: readonly SimUser[] = [
  { name: 'administrator', org: SYSTEM_ORG, password: 'sim-System-Passw0rd', uuid: stableUuid('user', 'administrator@System') },
  { name: 'acme-admin', org: 'acme', password: 'sim-acme-Passw0rd', uuid: stableUuid('user', 'acme-admin@acme') },
  { name: 'globex-admin', org: 'globex', password: 'sim-globex-Passw0rd', uuid: stableUuid('user', 'globex-admin@globex') },
];

export function orgByName(name: string): SimOrg | undefined {
  return ORGS.find((o) => o.name.toLowerCase() === name.toLowerCase());
}

export function orgByUuid(uuid: string): SimOrg | undefined {
  return ORGS.find((o) => o.uuid === uuid.toLowerCase());
}

export function adminOf(org: string): SimUser | undefined {
  return USERS.find((u) => u.org.toLowerCase() === org.toLowerCase());
}

export function isSystem(org: SimOrg): boolean {
  return org.name === SYSTEM_ORG;
}
