/**
 * SqliteStorage: {@link ActorStorage} over a SQLite database you open with
 * `better-sqlite3` (v12; not a dependency of skein: `npm install
 * better-sqlite3` in your project, which compiles it when no prebuilt binary
 * can be downloaded). Faster than {@link FileStorage} for writes (measured in
 * docs/benchmarks.md), shared by the processes of one host through SQLite's
 * file locking (WAL mode). The same SQL fits another SQL database through a
 * driver with this synchronous shape.
 *
 * @example
 * ```ts
 * import Database from "better-sqlite3";
 * const storage = new SqliteStorage(new Database("actors.db"));
 * ```
 */
import { ActorError, ActorErrorCode } from "./actor-error.js";
import type { ActorStorage, ReminderRecord, StoredState } from "./actor-storage.js";

/** A prepared statement, as `better-sqlite3` has them. */
export interface SqliteStatement {
  run(...parameters: unknown[]): { changes: number };
  get(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown[];
}

/** What SqliteStorage needs of a database: `better-sqlite3`'s `Database` has it. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * Sets `journal_mode = WAL` and `synchronous = NORMAL` (default `true`):
   * readers never block the writer, a write survives a process crash, the
   * last writes before a power loss may be lost (never corrupted). `false`
   * leaves the database's own settings.
   */
  wal?: boolean;
  /** Close the database in {@link SqliteStorage.close}. Default `true`. */
  closeDatabase?: boolean;
}

/** Actor state and reminders in two SQLite tables (`skein_actor_state`, `skein_actor_reminder`). */
export class SqliteStorage implements ActorStorage {
  readonly #database: SqliteDatabase;
  readonly #closeDatabase: boolean;
  readonly #read: SqliteStatement;
  readonly #insert: SqliteStatement;
  readonly #update: SqliteStatement;
  readonly #clear: SqliteStatement;
  readonly #writeReminder: SqliteStatement;
  readonly #deleteReminder: SqliteStatement;
  readonly #listReminders: SqliteStatement;

  constructor(database: SqliteDatabase, options: SqliteStorageOptions = {}) {
    this.#database = database;
    this.#closeDatabase = options.closeDatabase ?? true;
    if (options.wal ?? true) database.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    database.exec(`
      CREATE TABLE IF NOT EXISTS skein_actor_state (type TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (type, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS skein_actor_reminder (type TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, due_at INTEGER NOT NULL, period INTEGER NOT NULL, PRIMARY KEY (type, key, name)) WITHOUT ROWID;
    `);
    this.#read = database.prepare("SELECT json, version FROM skein_actor_state WHERE type = ? AND key = ?");
    this.#insert = database.prepare("INSERT INTO skein_actor_state (type, key, json, version) VALUES (?, ?, ?, 1) ON CONFLICT DO NOTHING");
    this.#update = database.prepare("UPDATE skein_actor_state SET json = ?, version = version + 1 WHERE type = ? AND key = ? AND version = ?");
    this.#clear = database.prepare("DELETE FROM skein_actor_state WHERE type = ? AND key = ?");
    this.#writeReminder = database.prepare(
      "INSERT INTO skein_actor_reminder (type, key, name, due_at, period) VALUES (?, ?, ?, ?, ?) ON CONFLICT (type, key, name) DO UPDATE SET due_at = excluded.due_at, period = excluded.period",
    );
    this.#deleteReminder = database.prepare("DELETE FROM skein_actor_reminder WHERE type = ? AND key = ? AND name = ?");
    this.#listReminders = database.prepare("SELECT type, key, name, due_at AS dueAt, period FROM skein_actor_reminder");
  }

  async readState(type: string, key: string): Promise<StoredState> {
    const row = this.#guard("read", () => this.#read.get(type, key)) as { json: string; version: number } | undefined;
    return row === undefined ? { json: "", version: 0 } : { json: row.json, version: Number(row.version) };
  }

  async writeState(type: string, key: string, json: string, expectedVersion: number): Promise<number> {
    const { changes } = this.#guard("write", () => expectedVersion === 0 ? this.#insert.run(type, key, json) : this.#update.run(json, type, key, expectedVersion));
    if (changes !== 1) {
      throw new ActorError(ActorErrorCode.CONFLICT, `state of ${type}/${key} is no longer at version ${expectedVersion}: written by another activation`);
    }
    return expectedVersion + 1;
  }

  async clearState(type: string, key: string): Promise<void> {
    this.#guard("clear", () => this.#clear.run(type, key));
  }

  async writeReminder(reminder: ReminderRecord): Promise<void> {
    this.#guard("write", () => this.#writeReminder.run(reminder.type, reminder.key, reminder.name, reminder.dueAt, reminder.period));
  }

  async deleteReminder(type: string, key: string, name: string): Promise<void> {
    this.#guard("delete", () => this.#deleteReminder.run(type, key, name));
  }

  async listReminders(): Promise<ReminderRecord[]> {
    return (this.#guard("list", () => this.#listReminders.all()) as ReminderRecord[]).map((row) => ({ ...row, dueAt: Number(row.dueAt), period: Number(row.period) }));
  }

  async close(): Promise<void> {
    if (this.#closeDatabase) this.#database.close();
  }

  #guard<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new ActorError(ActorErrorCode.STORAGE, `SQLite could not ${operation}: ${(error as Error).message}`, { cause: error });
    }
  }
}
