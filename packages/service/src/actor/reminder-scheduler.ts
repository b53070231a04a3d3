/**
 * ReminderScheduler: the durable reminders of the keys one member owns. A
 * reminder is stored before it is scheduled; on start and on every change of
 * the membership view the member lists the stored ones and schedules those of
 * its keys (those due while no member ran fire at once) and drops the others.
 * A reminder fires as a turn of its actor (`receiveReminder(name)`); a
 * one-shot reminder is deleted after a turn that succeeded, a repeating one
 * stored with its next due time, a failed one fired again after `retryDelay`.
 */
import { ActorError, ActorErrorCode } from "./actor-error.js";
import type { TimerOptions } from "./actor-base.js";
import type { ActorStorage, ReminderRecord } from "./actor-storage.js";

/** What the scheduler needs of its member. */
export interface ReminderHost {
  readonly storage: ActorStorage;
  /** This member runs the reminders of `type`/`key` now: it is running, hosts the type and owns the key. */
  runsReminders(type: string, key: string): boolean;
  /** Runs `receiveReminder(name)` as a turn of the actor; settles with the turn. */
  deliverReminder(reminder: ReminderRecord): Promise<unknown>;
  /** A reminder fired (`error` set if its turn failed). */
  reminderFired(reminder: ReminderRecord, error: unknown): void;
  /** An error with no caller (storage failing while rescheduling). */
  reportError(error: unknown): void;
}

/** Longest delay `setTimeout` takes. */
const MAX_TIMER = 2 ** 31 - 1;

interface Scheduled {
  record: ReminderRecord;
  timer: NodeJS.Timeout;
}

/** The reminders one member has scheduled (see the file's note). */
export class ReminderScheduler {
  readonly #host: ReminderHost;
  readonly #retryDelay: number;
  readonly #scheduled = new Map<string, Scheduled>();
  #closed = false;

  constructor(host: ReminderHost, retryDelay: number) {
    this.#host = host;
    this.#retryDelay = retryDelay;
  }

  /** Stores a reminder of `type`/`key` (replacing one of the same name) and schedules it here. */
  async set(type: string, key: string, name: string, options: TimerOptions): Promise<void> {
    const record: ReminderRecord = { type, key, name, dueAt: Date.now() + options.due, period: options.period ?? 0 };
    await this.#host.storage.writeReminder(record);
    this.#schedule(record);
  }

  /** Unschedules and deletes a reminder. */
  async clear(type: string, key: string, name: string): Promise<void> {
    this.#unschedule(reminderId(type, key, name));
    await this.#host.storage.deleteReminder(type, key, name);
  }

  /** Schedules the stored reminders this member runs now and drops the rest (after start and each view change). */
  async load(): Promise<void> {
    const records = await this.#host.storage.listReminders();
    const stored = new Set<string>();
    for (const record of records) {
      const id = reminderId(record.type, record.key, record.name);
      stored.add(id);
      if (!this.#scheduled.has(id)) this.#schedule(record);
    }
    for (const [id, { record }] of [...this.#scheduled]) {
      if (!stored.has(id) || !this.#host.runsReminders(record.type, record.key)) this.#unschedule(id);
    }
  }

  /** Unschedules everything; stored reminders stay for the next owner. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#scheduled.keys()]) this.#unschedule(id);
  }

  #schedule(record: ReminderRecord): void {
    const id = reminderId(record.type, record.key, record.name);
    this.#unschedule(id);
    if (this.#closed || !this.#host.runsReminders(record.type, record.key)) return;
    const delay = Math.min(MAX_TIMER, Math.max(0, record.dueAt - Date.now()));
    const timer = setTimeout(() => {
      if (record.dueAt > Date.now()) this.#schedule(record); // past the longest timer: wait again
      else void this.#fire(id, record);
    }, delay);
    timer.unref();
    this.#scheduled.set(id, { record, timer });
  }

  #unschedule(id: string): void {
    const scheduled = this.#scheduled.get(id);
    if (scheduled === undefined) return;
    clearTimeout(scheduled.timer);
    this.#scheduled.delete(id);
  }

  async #fire(id: string, record: ReminderRecord): Promise<void> {
    let failure: unknown;
    try {
      await this.#host.deliverReminder(record);
    } catch (error) {
      failure = error;
    }
    this.#host.reminderFired(record, failure);
    // Replaced or cleared during its turn: the new record rules.
    if (this.#scheduled.get(id)?.record !== record || this.#closed) return;
    try {
      if (failure instanceof ActorError && failure.code === ActorErrorCode.WRONG_OWNER) {
        this.#unschedule(id); // the key moved: its new owner schedules it
      } else if (failure !== undefined) {
        this.#schedule({ ...record, dueAt: Date.now() + this.#retryDelay });
      } else if (record.period > 0) {
        const next: ReminderRecord = { ...record, dueAt: Math.max(Date.now(), record.dueAt + record.period) };
        await this.#host.storage.writeReminder(next);
        this.#schedule(next);
      } else {
        this.#unschedule(id);
        await this.#host.storage.deleteReminder(record.type, record.key, record.name);
      }
    } catch (error) {
      this.#host.reportError(error);
    }
  }
}

function reminderId(type: string, key: string, name: string): string {
  return JSON.stringify([type, key, name]);
}
