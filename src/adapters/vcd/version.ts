/** vCD API versions ("36.0", "37.0.0-alpha"): compared numerically by major and minor. */

function parts(version: string): [number, number] {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return [major, minor];
}

export function compareVersions(a: string, b: string): number {
  const [a1, a2] = parts(a);
  const [b1, b2] = parts(b);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

export function versionAtLeast(version: string, atLeast: string): boolean {
  return compareVersions(version, atLeast) >= 0;
}
