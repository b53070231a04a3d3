/**
 * MemoryStorage: actor state and reminders in this thread's memory. Nothing
 * survives the process and no other thread or process sees it: for tests,
 * benchmarks and actors whose state may be lost. Use {@link FileStorage} or
 * another shared storage when members on several threads or processes own keys.
 */
import { ActorError, ActorErrorCode } from "./actor-error.js";
import type { ActorStorage, ReminderRecord, StoredState } from "./actor-storage.js";

/** Actor state and reminders in memory (see the file's note). */
export class MemoryStorage implements ActorStorage {
  readonly #states = new Map<string, StoredState>();
  readonly #reminders = new Map<string, ReminderRecord>();

  async readState(type: string, key: string): Promise<StoredState> {
    return this.#states.get(stateKey(type, key)) ?? { json: "", version: 0 };
  }

  async writeState(type: string, key: string, json: string, expectedVersion: number): Promise<number> {
    const id = stateKey(type, key);
    const stored = this.#states.get(id)?.version ?? 0;
    if (stored !== expectedVersion) {
      throw new ActorError(ActorErrorCode.CONFLICT, `state of ${type}/${key} is at version ${stored}, not ${expectedVersion}`);
    }
    this.#states.set(id, { json, version: stored + 1 });
    return stored + 1;
  }

  async clearState(type: string, key: string): Promise<void> {
    this.#states.delete(stateKey(type, key));
  }

  async writeReminder(reminder: ReminderRecord): Promise<void> {
    this.#reminders.set(reminderKey(reminder.type, reminder.key, reminder.name), reminder);
  }

  async deleteReminder(type: string, key: string, name: string): Promise<void> {
    this.#reminders.delete(reminderKey(type, key, name));
  }

  async listReminders(): Promise<ReminderRecord[]> {
    return [...this.#reminders.values()];
  }

  async close(): Promise<void> {}
}

function stateKey(type: string, key: string): string {
  return JSON.stringify([type, key]);
}

function reminderKey(type: string, key: string, name: string): string {
  return JSON.stringify([type, key, name]);
}
