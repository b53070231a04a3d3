/**
 * Prefix subscriptions per pipe (libzmq `mtrie_t`), for PUB/XPUB filtering
 * (RFC 29: publishers filter for ZMTP 3.x subscribers). A subscription is a
 * byte prefix; a message matches a pipe when its first frame starts with any
 * of the pipe's prefixes. Subscriptions are counted: subscribing twice needs
 * two cancels.
 *
 * Peers choose the prefixes, so the structure is built to be bounded by the
 * bytes it holds whatever they send:
 * - a radix tree (path-compressed trie): an edge carries a run of bytes, so a
 *   prefix costs one node plus its new bytes, not one node per byte;
 * - edge bytes are latin1 strings (one byte a character, exact for 0-255),
 *   each its own copy, so no edge keeps a larger string or buffer alive;
 * - every walk is a loop: nothing recurses over a depth a peer controls;
 * - a cancel removes the nodes nobody needs any more and merges a node left
 *   with one child into it, so memory goes back to what the live
 *   subscriptions need;
 * - each pipe's subscribed nodes are indexed, so removing a pipe costs its own
 *   subscriptions, not a walk of everyone's.
 */
import { Buffer } from "../util/buffer.js";
import type { Pipe } from "../pipe.js";

/** V8 shares the characters of a slice this long or longer with its parent string. */
const SLICE_SHARES_FROM = 13;

class Node {
  /** The bytes of the edge from the parent (latin1); empty only at the root. */
  label: string;
  /** The first byte of `label`, which the parent's children are sorted by. */
  first: number;
  parent: Node | null;
  /** Children sorted by `first` (distinct first bytes), or null for none. */
  children: Node[] | null = null;
  /** The one pipe subscribed here, while there is exactly one. */
  pipe: Pipe | null = null;
  /** Subscriptions of `pipe` to this prefix. */
  count = 0;
  /** Pipes subscribed here with their counts, once two or more are. */
  pipes: Map<Pipe, number> | null = null;

  constructor(label: string, parent: Node | null) {
    this.label = label;
    this.first = label.length > 0 ? label.charCodeAt(0) : -1;
    this.parent = parent;
  }

  /** Whether any pipe is subscribed to this node's prefix. */
  get held(): boolean {
    return this.pipe !== null || this.pipes !== null;
  }
}

/** What one pipe holds: its subscribed nodes, and the bytes of their prefixes. */
interface PipeSubscriptions {
  nodes: Set<Node>;
  bytes: number;
}

/** What the structure holds, for limits and tests. */
export interface SubscriptionFootprint {
  /** Nodes in the tree, the root included (1 when empty). */
  nodes: number;
  /** Bytes of edge labels in the tree. */
  labelBytes: number;
  /** Pipes holding at least one subscription. */
  pipes: number;
}

export class SubscriptionTrie {
  #root = new Node("", null);
  #size = 0;
  #nodes = 1;
  #labelBytes = 0;
  #byPipe = new Map<Pipe, PipeSubscriptions>();
  /** Reused by {@link match} to hand each pipe out once. */
  #seen = new Set<Pipe>();

  /** Number of (pipe, prefix) subscriptions held, duplicates counted. */
  get size(): number {
    return this.#size;
  }

  /** Nodes, label bytes and pipes held now. */
  footprint(): SubscriptionFootprint {
    return { nodes: this.#nodes, labelBytes: this.#labelBytes, pipes: this.#byPipe.size };
  }

  /** Distinct prefixes a pipe holds, and their bytes added up (duplicates cost nothing more). */
  held(pipe: Pipe): { subscriptions: number; bytes: number } {
    const entry = this.#byPipe.get(pipe);
    return entry === undefined ? { subscriptions: 0, bytes: 0 } : { subscriptions: entry.nodes.size, bytes: entry.bytes };
  }

  /** Whether `pipe` holds `prefix` (a subscription to it would only raise its count). */
  has(prefix: Buffer, pipe: Pipe): boolean {
    const node = this.#find(prefix);
    return node !== undefined && (node.pipe === pipe || node.pipes?.has(pipe) === true);
  }

  /** Adds a subscription; returns true if it is the first for this prefix across all pipes. */
  add(prefix: Buffer, pipe: Pipe): boolean {
    const node = this.#insert(prefix);
    const fresh = !node.held;
    let first: boolean;
    if (node.pipe === pipe) {
      node.count++;
      first = false;
    } else if (node.pipes !== null) {
      const count = node.pipes.get(pipe);
      node.pipes.set(pipe, (count ?? 0) + 1);
      first = count === undefined;
    } else if (node.pipe === null) {
      node.pipe = pipe;
      node.count = 1;
      first = true;
    } else {
      node.pipes = new Map([
        [node.pipe, node.count],
        [pipe, 1],
      ]);
      node.pipe = null;
      node.count = 0;
      first = true;
    }
    if (first) {
      let entry = this.#byPipe.get(pipe);
      if (entry === undefined) this.#byPipe.set(pipe, (entry = { nodes: new Set(), bytes: 0 }));
      entry.nodes.add(node);
      entry.bytes += prefix.length;
    }
    this.#size++;
    return fresh;
  }

  /** Removes one subscription; returns true if no pipe holds this prefix any more. */
  remove(prefix: Buffer, pipe: Pipe): boolean {
    const node = this.#find(prefix);
    if (node === undefined) return false;
    let left: number;
    if (node.pipe === pipe) {
      left = --node.count;
      if (left === 0) node.pipe = null;
    } else {
      const count = node.pipes?.get(pipe);
      if (count === undefined) return false;
      left = count - 1;
      if (left > 0) node.pipes!.set(pipe, left);
      else this.#dropFromMap(node, pipe);
    }
    this.#size--;
    if (left > 0) return false;
    const entry = this.#byPipe.get(pipe)!;
    entry.nodes.delete(node);
    entry.bytes -= prefix.length;
    if (entry.nodes.size === 0) this.#byPipe.delete(pipe);
    if (node.held) return false;
    this.#prune(node);
    return true;
  }

  /** Removes every subscription of a pipe; calls `gone` for prefixes nobody holds any more. */
  removePipe(pipe: Pipe, gone?: (prefix: Buffer) => void): void {
    const entry = this.#byPipe.get(pipe);
    if (entry === undefined) return;
    this.#byPipe.delete(pipe);
    for (const node of entry.nodes) {
      if (node.pipe === pipe) {
        this.#size -= node.count;
        node.pipe = null;
        node.count = 0;
      } else {
        this.#size -= node.pipes!.get(pipe)!;
        this.#dropFromMap(node, pipe);
      }
      if (node.held) continue;
      // The prefix is read before pruning, which may merge the node away.
      if (gone !== undefined) gone(this.#prefixOf(node));
      this.#prune(node);
    }
  }

  /** Calls `found` once for each pipe subscribed to a prefix of `data`. */
  match(data: Buffer, found: (pipe: Pipe) => void): void {
    let node = this.#root;
    let depth = 0;
    // The first node with subscribers hands them out directly; a second one needs `seen`
    // so that a pipe subscribed to two prefixes of the same message gets it once.
    let firstHeld: Node | null = null;
    const seen = this.#seen;
    for (;;) {
      if (node.held) {
        if (firstHeld === null) {
          firstHeld = node;
          if (node.pipe !== null) found(node.pipe);
          else for (const pipe of node.pipes!.keys()) found(pipe);
        } else {
          if (seen.size === 0) this.#remember(firstHeld, seen);
          if (node.pipe !== null) {
            if (!seen.has(node.pipe)) {
              seen.add(node.pipe);
              found(node.pipe);
            }
          } else {
            for (const pipe of node.pipes!.keys()) {
              if (seen.has(pipe)) continue;
              seen.add(pipe);
              found(pipe);
            }
          }
        }
      }
      if (depth >= data.length) break;
      const child = childOf(node, data[depth]!);
      if (child === undefined) break;
      const label = child.label;
      const end = depth + label.length;
      if (end > data.length) break;
      let k = depth + 1;
      for (let j = 1; k < end && label.charCodeAt(j) === data[k]; j++) k++;
      if (k < end) break;
      node = child;
      depth = end;
    }
    if (seen.size > 0) seen.clear();
  }

  /** Every prefix currently subscribed by at least one pipe. */
  prefixes(): Buffer[] {
    const out: Buffer[] = [];
    const stack: Node[] = [this.#root];
    let node;
    while ((node = stack.pop()) !== undefined) {
      if (node.held) out.push(this.#prefixOf(node));
      if (node.children !== null) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    return out;
  }

  /** The node of `prefix`, created (splitting an edge if need be) when missing. */
  #insert(prefix: Buffer): Node {
    let node = this.#root;
    let depth = 0;
    while (depth < prefix.length) {
      const child = childOf(node, prefix[depth]!);
      if (child === undefined) {
        const leaf = new Node(prefix.toString("latin1", depth), node);
        this.#nodes++;
        this.#labelBytes += leaf.label.length;
        insertChild(node, leaf);
        return leaf;
      }
      const label = child.label;
      const max = Math.min(label.length, prefix.length - depth);
      let common = 1;
      while (common < max && label.charCodeAt(common) === prefix[depth + common]) common++;
      node = common < label.length ? this.#split(child, common) : child;
      depth += common;
    }
    return node;
  }

  /** Cuts `child`'s edge after `at` bytes: a new node takes the first part, `child` keeps the rest below it. */
  #split(child: Node, at: number): Node {
    const parent = child.parent!;
    const label = child.label;
    const upper = new Node(copyOf(label.slice(0, at)), parent);
    replaceChild(parent, child, upper);
    child.label = copyOf(label.slice(at));
    child.first = child.label.charCodeAt(0);
    child.parent = upper;
    upper.children = [child];
    this.#nodes++;
    return upper;
  }

  /**
   * Removes what a node no longer needs, walking up: a leaf nobody holds is
   * removed from its parent; a node nobody holds with one child is merged
   * into that child. The root stays.
   */
  #prune(start: Node): void {
    let node = start;
    while (node !== this.#root && !node.held) {
      const parent = node.parent!;
      const children = node.children;
      if (children === null) {
        removeChild(parent, node);
        this.#nodes--;
        this.#labelBytes -= node.label.length;
        node.parent = null;
        node = parent;
        continue;
      }
      if (children.length === 1) {
        const only = children[0]!;
        only.label = copyOf(node.label + only.label);
        only.first = node.first;
        only.parent = parent;
        replaceChild(parent, node, only);
        this.#nodes--;
        node.children = null;
        node.parent = null;
      }
      return;
    }
  }

  #dropFromMap(node: Node, pipe: Pipe): void {
    const pipes = node.pipes!;
    pipes.delete(pipe);
    if (pipes.size > 1) return;
    // Back to the one-pipe form (nothing holds a Map for a single subscriber).
    node.pipes = null;
    for (const [last, count] of pipes) {
      node.pipe = last;
      node.count = count;
    }
  }

  #remember(node: Node, seen: Set<Pipe>): void {
    if (node.pipe !== null) seen.add(node.pipe);
    else for (const pipe of node.pipes!.keys()) seen.add(pipe);
  }

  /**
   * The whole prefix of a node: its labels from the root down. Short labels
   * are copied byte by byte in JS (a deep chain has many one-byte labels, and
   * a native write per label would cost far more than the bytes).
   */
  #prefixOf(node: Node): Buffer {
    let length = 0;
    for (let n: Node | null = node; n !== null; n = n.parent) length += n.label.length;
    const out = Buffer.allocUnsafe(length);
    let end = length;
    for (let n: Node | null = node; n !== null; n = n.parent) {
      const label = n.label;
      end -= label.length;
      if (label.length > 64) out.write(label, end, "latin1");
      else for (let k = 0; k < label.length; k++) out[end + k] = label.charCodeAt(k);
    }
    return out;
  }

  /** The node of exactly `prefix`, if there is one. */
  #find(prefix: Buffer): Node | undefined {
    let node = this.#root;
    let depth = 0;
    while (depth < prefix.length) {
      const child = childOf(node, prefix[depth]!);
      if (child === undefined) return undefined;
      const label = child.label;
      const end = depth + label.length;
      if (end > prefix.length) return undefined;
      for (let j = 1, k = depth + 1; k < end; j++, k++) if (label.charCodeAt(j) !== prefix[k]) return undefined;
      node = child;
      depth = end;
    }
    return node;
  }
}

/** The child whose edge starts with `byte` (binary search: at most 256 children). */
function childOf(node: Node, byte: number): Node | undefined {
  const children = node.children;
  if (children === null) return undefined;
  let lo = 0;
  let hi = children.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const child = children[mid]!;
    const first = child.first;
    if (first < byte) lo = mid + 1;
    else if (first > byte) hi = mid - 1;
    else return child;
  }
  return undefined;
}

function insertChild(node: Node, child: Node): void {
  const children = node.children;
  if (children === null) {
    node.children = [child];
    return;
  }
  let at = children.length;
  while (at > 0 && children[at - 1]!.first > child.first) at--;
  children.splice(at, 0, child);
}

/** Puts `next` where `previous` was (both start with the same byte). */
function replaceChild(node: Node, previous: Node, next: Node): void {
  const children = node.children!;
  children[children.indexOf(previous)] = next;
}

function removeChild(node: Node, child: Node): void {
  const children = node.children!;
  if (children.length === 1) {
    node.children = null;
    return;
  }
  children.splice(children.indexOf(child), 1);
}

/**
 * A string with characters of its own: a slice or concatenation could keep
 * a larger string alive (V8 shares characters from {@link SLICE_SHARES_FROM} on).
 */
function copyOf(label: string): string {
  return label.length < SLICE_SHARES_FROM ? label : Buffer.from(label, "latin1").toString("latin1");
}
