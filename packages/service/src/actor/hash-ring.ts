/**
 * HashRing: consistent hashing of actor keys onto members. Each member
 * takes `pointsPerMember` points on a 32-bit ring; a key belongs to the
 * member of the first point at or after the key's hash. When a member joins
 * or leaves, only the keys between its points and their predecessors move
 * (about 1/n of them), so a membership change reactivates few actors.
 */

/** Points each member takes on the ring, unless told otherwise: evens the share of keys to within a few percent. */
export const DEFAULT_POINTS_PER_MEMBER = 128;

/** A consistent-hash ring over member ids. */
export class HashRing {
  /** The member ids on the ring, sorted. */
  readonly members: readonly string[];
  readonly #points: Uint32Array;
  readonly #owners: string[];

  constructor(members: Iterable<string>, pointsPerMember = DEFAULT_POINTS_PER_MEMBER) {
    this.members = [...new Set(members)].sort();
    const points: { hash: number; member: string }[] = [];
    for (const member of this.members) {
      for (let i = 0; i < pointsPerMember; i++) points.push({ hash: hash32(`${member}#${i}`), member });
    }
    // Ties (rare) broken by member id, so every member builds the same ring.
    points.sort((a, b) => a.hash - b.hash || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    this.#points = Uint32Array.from(points, (point) => point.hash);
    this.#owners = points.map((point) => point.member);
  }

  /** The member that owns `key`, or `undefined` on an empty ring. */
  owner(key: string): string | undefined {
    const points = this.#points;
    if (points.length === 0) return undefined;
    const hash = hash32(key);
    let low = 0;
    let high = points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (points[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    return this.#owners[low === points.length ? 0 : low];
  }
}

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser to spread similar strings. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
