/**
 * Prefix subscriptions per pipe (libzmq `mtrie_t`), for PUB/XPUB filtering
 * (RFC 29: publishers filter for ZMTP 3.x subscribers). A subscription is a
 * byte prefix; a message matches a pipe when its first frame starts with any
 * of the pipe's prefixes. Subscriptions are counted: subscribing twice needs
 * two cancels.
 */
import type { Pipe } from "../pipe.js";

class Node {
  children: Map<number, Node> | null = null;
  pipes: Map<Pipe, number> | null = null;
}

export class SubscriptionTrie {
  #root = new Node();
  #size = 0;

  /** Number of (pipe, prefix) subscriptions held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a subscription; returns true if it is the first for this prefix across all pipes. */
  add(prefix: Buffer, pipe: Pipe): boolean {
    let node = this.#root;
    for (let i = 0; i < prefix.length; i++) {
      const byte = prefix[i]!;
      if (node.children === null) node.children = new Map();
      let next = node.children.get(byte);
      if (next === undefined) {
        next = new Node();
        node.children.set(byte, next);
      }
      node = next;
    }
    if (node.pipes === null) node.pipes = new Map();
    const fresh = node.pipes.size === 0;
    node.pipes.set(pipe, (node.pipes.get(pipe) ?? 0) + 1);
    this.#size++;
    return fresh;
  }

  /** Removes one subscription; returns true if no pipe holds this prefix any more. */
  remove(prefix: Buffer, pipe: Pipe): boolean {
    const node = this.#find(prefix);
    const count = node?.pipes?.get(pipe);
    if (node === undefined || count === undefined) return false;
    if (count > 1) node.pipes!.set(pipe, count - 1);
    else node.pipes!.delete(pipe);
    this.#size--;
    return node.pipes!.size === 0;
  }

  /** Removes every subscription of a pipe; calls `gone` for prefixes nobody holds any more. */
  removePipe(pipe: Pipe, gone?: (prefix: Buffer) => void): void {
    const path: number[] = [];
    const walk = (node: Node): void => {
      const count = node.pipes?.get(pipe);
      if (count !== undefined) {
        node.pipes!.delete(pipe);
        this.#size -= count;
        if (node.pipes!.size === 0) gone?.(Buffer.from(path));
      }
      if (node.children === null) return;
      for (const [byte, child] of node.children) {
        path.push(byte);
        walk(child);
        path.pop();
      }
    };
    walk(this.#root);
  }

  /** Calls `found` once for each pipe subscribed to a prefix of `data`. */
  match(data: Buffer, found: (pipe: Pipe) => void): void {
    let node: Node | undefined = this.#root;
    let first: Map<Pipe, number> | null = null;
    let seen: Set<Pipe> | null = null;
    for (let i = 0; node !== undefined; i++) {
      const pipes = node.pipes;
      if (pipes !== null && pipes.size > 0) {
        if (first === null) {
          first = pipes;
          for (const pipe of pipes.keys()) found(pipe);
        } else {
          // A pipe subscribed to two prefixes of the same message gets it once.
          seen ??= new Set(first.keys());
          for (const pipe of pipes.keys()) {
            if (seen.has(pipe)) continue;
            seen.add(pipe);
            found(pipe);
          }
        }
      }
      if (i >= data.length || node.children === null) break;
      node = node.children.get(data[i]!);
    }
  }

  /** Every prefix currently subscribed by at least one pipe. */
  prefixes(): Buffer[] {
    const out: Buffer[] = [];
    const path: number[] = [];
    const walk = (node: Node): void => {
      if (node.pipes !== null && node.pipes.size > 0) out.push(Buffer.from(path));
      if (node.children === null) return;
      for (const [byte, child] of node.children) {
        path.push(byte);
        walk(child);
        path.pop();
      }
    };
    walk(this.#root);
    return out;
  }

  #find(prefix: Buffer): Node | undefined {
    let node: Node | undefined = this.#root;
    for (let i = 0; i < prefix.length && node !== undefined; i++) node = node.children?.get(prefix[i]!);
    return node;
  }
}
