/**
 * A fixed pseudo-random number in [0, 1) for a parameter path (FNV-1a, then a final mix), so a
 * test's perturbed "truth" gives each cost the same factor whatever other fields the profile
 * gains: a draw in field order would hand every later field another factor when one is added.
 */
export function unitFor(path: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}
