/**
 * The soak's accounting: messages sent, received, lost and duplicated per
 * direction of each pair, from the last sample of every peer incarnation
 * (a killed process's counters are those of its last sample).
 */
import type { ReceivedFrom } from "./protocol.js";

export interface DirectionTotals {
  pair: string;
  /** `"PUB→SUB"` */
  direction: string;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
}

interface Sender {
  pair: string;
  direction: string;
  sent: number;
}

export class Ledger {
  readonly #senders = new Map<number, Sender>();
  readonly #order: string[] = [];
  /** Receiver incarnation (its sender id) → its last report, per sender id it heard from. */
  readonly #receivers = new Map<number, Record<string, ReceivedFrom>>();

  /** Declares a sender incarnation before it starts. */
  addSender(senderId: number, pair: string, direction: string): void {
    this.#senders.set(senderId, { pair, direction, sent: 0 });
    const key = `${pair}\0${direction}`;
    if (!this.#order.includes(key)) this.#order.push(key);
  }

  /** Records a peer incarnation's latest counters. */
  update(senderId: number, sent: number, received: Record<string, ReceivedFrom>): void {
    const sender = this.#senders.get(senderId);
    if (sender !== undefined) sender.sent = Math.max(sender.sent, sent);
    this.#receivers.set(senderId, received);
  }

  /**
   * Totals per direction. A sender's count is the larger of what it last
   * reported and the highest sequence any receiver saw from it plus one
   * (it may have sent more after its last sample, before it was killed).
   * Lost = sent - received: messages dropped by design (PUB with no
   * subscriber, ROUTER to a gone peer) and those in flight in a killed process.
   */
  totals(): DirectionTotals[] {
    const rows = new Map<string, DirectionTotals>();
    for (const key of this.#order) {
      const [pair, direction] = key.split("\0") as [string, string];
      rows.set(key, { pair, direction, sent: 0, received: 0, lost: 0, duplicated: 0 });
    }
    for (const [senderId, sender] of this.#senders) {
      const row = rows.get(`${sender.pair}\0${sender.direction}`)!;
      let sent = sender.sent;
      for (const report of this.#receivers.values()) {
        const from = report[senderId];
        if (from === undefined) continue;
        sent = Math.max(sent, from.maxSeq + 1);
        row.received += from.count;
        row.duplicated += from.duplicates;
      }
      row.sent += sent;
    }
    for (const row of rows.values()) row.lost = row.sent - row.received;
    return [...rows.values()];
  }
}
