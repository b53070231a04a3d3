/**
 * The storage interface of actor state and reminders. Every member that can
 * own a key must reach the same storage, so that an actor reactivated on
 * another thread, process or host reads the state its last turn saved.
 *
 * Writes carry the version the activation read: a storage refuses a write
 * whose expected version is not the stored one (optimistic concurrency,
 * Orleans' ETags). During a membership change two members may briefly both
 * believe they own a key; the later writer's turn fails with
 * `ACTOR_CONFLICT` instead of overwriting the other's update.
 */

/** The stored state of one actor and its version (0: nothing stored yet). */
export interface StoredState {
  /** The state, as JSON text. */
  readonly json: string;
  /** Incremented by each write; 0 when nothing was stored. */
  readonly version: number;
}

/** A durable reminder: fires `receiveReminder(name)` on the actor, even after every process restarted. */
export interface ReminderRecord {
  /** The `@Actor` type name. */
  readonly type: string;
  /** The actor's key. */
  readonly key: string;
  /** The reminder's name, unique per actor. */
  readonly name: string;
  /** When it next fires, in ms since the epoch. */
  readonly dueAt: number;
  /** Period in ms for a repeating reminder; 0 for one that fires once. */
  readonly period: number;
}

/**
 * Where actor state and reminders live. `FileStorage` is the embedded
 * default (a folder, no server); `MemoryStorage` keeps them in one thread's
 * memory (tests, benchmarks); `SqliteStorage` adapts a `better-sqlite3`
 * database you open. Implement this interface for another database.
 */
export interface ActorStorage {
  /** The stored state of `type`/`key`, or version 0 and `json` `""` when none. */
  readState(type: string, key: string): Promise<StoredState>;
  /**
   * Stores `json` as version `expectedVersion + 1` if the stored version is
   * `expectedVersion`, and resolves the new version; rejects with an
   * `ActorError` `ACTOR_CONFLICT` otherwise.
   */
  writeState(type: string, key: string, json: string, expectedVersion: number): Promise<number>;
  /** Removes the state of `type`/`key` (no-op when none). */
  clearState(type: string, key: string): Promise<void>;
  /** Stores (or replaces) a reminder. */
  writeReminder(reminder: ReminderRecord): Promise<void>;
  /** Removes a reminder (no-op when none). */
  deleteReminder(type: string, key: string, name: string): Promise<void>;
  /** Every stored reminder. */
  listReminders(): Promise<ReminderRecord[]>;
  /** Releases files or connections. */
  close(): Promise<void>;
}
