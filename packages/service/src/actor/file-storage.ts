/**
 * FileStorage: the embedded default {@link ActorStorage}, a folder and no
 * server. Each actor's state is a folder of numbered versions; a write
 * makes a temporary file and hard-links it as the next version, which the
 * file system does atomically and refuses when that version exists: so
 * readers never see half a state, and two members writing one key after a
 * membership change cannot both win (`ACTOR_CONFLICT`). The version before
 * the newest is kept, so a newest version damaged by a power loss (with
 * `fsync` off) falls back to the one before it.
 *
 * Every process and thread that uses the same folder shares the state: the
 * members of one host (threads, processes) need nothing else; members on
 * several hosts need a folder they all mount, or another storage.
 */
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ActorError, ActorErrorCode } from "./actor-error.js";
import type { ActorStorage, ReminderRecord, StoredState } from "./actor-storage.js";

/** Options of {@link FileStorage}. */
export interface FileStorageOptions {
  /**
   * Flush each write to the disk (`fsync` of the file and its folder) before
   * the turn completes. Default `false`: a write survives the process being
   * killed (it is in the OS's page cache), not a power loss or kernel crash,
   * after which the newest version may be lost (the one before it is read).
   */
  fsync?: boolean;
}

const VERSION_FILE = /^(\d+)\.json$/;
/** Longest file name part kept readable; longer type names and keys are hashed. */
const MAX_NAME = 120;

/**
 * Actor state and reminders in a folder.
 *
 * @example
 * ```ts
 * const system = new ActorSystem({ actors: [CartActor], storage: new FileStorage("./actor-state") });
 * ```
 */
export class FileStorage implements ActorStorage {
  /** The folder. */
  readonly directory: string;
  readonly #fsync: boolean;
  /** Newest versions found damaged and set aside (renamed `.corrupt`) by {@link readState}. */
  corruptVersions = 0;

  constructor(directory: string, options: FileStorageOptions = {}) {
    this.directory = directory;
    this.#fsync = options.fsync ?? false;
  }

  async readState(type: string, key: string): Promise<StoredState> {
    const folder = this.#stateFolder(type, key);
    for (;;) {
      const versions = await listVersions(folder);
      const newest = versions.at(-1);
      if (newest === undefined) return { json: "", version: 0 };
      const file = join(folder, `${newest}.json`);
      let json: string;
      try {
        json = await readFile(file, "utf8");
      } catch (error) {
        if (isCode(error, "ENOENT")) continue; // replaced by a newer version meanwhile: list again
        throw storageError("read", file, error);
      }
      if (isJson(json)) return { json, version: newest };
      // Damaged by a crash with fsync off: keep it for a person to inspect, read the one before.
      this.corruptVersions++;
      await rename(file, `${file}.corrupt`).catch((error: unknown) => {
        if (!isCode(error, "ENOENT")) throw storageError("set aside", file, error);
      });
    }
  }

  async writeState(type: string, key: string, json: string, expectedVersion: number): Promise<number> {
    const folder = this.#stateFolder(type, key);
    const version = expectedVersion + 1;
    const temporary = join(folder, `.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await this.#writeFile(temporary, json).catch(async (error: unknown) => {
        if (!isCode(error, "ENOENT")) throw error;
        await mkdir(folder, { recursive: true });
        await this.#writeFile(temporary, json);
      });
      try {
        await link(temporary, join(folder, `${version}.json`));
      } catch (error) {
        if (isCode(error, "EEXIST")) {
          throw new ActorError(ActorErrorCode.CONFLICT, `state of ${type}/${key} was written by another activation (version ${version} exists)`);
        }
        throw error;
      }
      if (this.#fsync) await syncFolder(folder);
    } catch (error) {
      if (error instanceof ActorError) throw error;
      throw storageError("write", folder, error);
    } finally {
      await unlink(temporary).catch((error: unknown) => {
        if (!isCode(error, "ENOENT")) throw storageError("remove", temporary, error);
      });
    }
    // Keep `expectedVersion` as the fallback; the one before it is no longer needed.
    if (expectedVersion > 1) {
      const old = join(folder, `${expectedVersion - 1}.json`);
      await unlink(old).catch((error: unknown) => {
        if (!isCode(error, "ENOENT")) throw storageError("remove", old, error);
      });
    }
    return version;
  }

  async clearState(type: string, key: string): Promise<void> {
    await rm(this.#stateFolder(type, key), { recursive: true, force: true });
  }

  async writeReminder(reminder: ReminderRecord): Promise<void> {
    const folder = join(this.directory, "reminders", fileName(reminder.type), fileName(reminder.key));
    const file = join(folder, `${fileName(reminder.name)}.json`);
    const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(folder, { recursive: true });
      await this.#writeFile(temporary, JSON.stringify(reminder));
      await rename(temporary, file);
      if (this.#fsync) await syncFolder(folder);
    } catch (error) {
      throw storageError("write", file, error);
    }
  }

  async deleteReminder(type: string, key: string, name: string): Promise<void> {
    const file = join(this.directory, "reminders", fileName(type), fileName(key), `${fileName(name)}.json`);
    await unlink(file).catch((error: unknown) => {
      if (!isCode(error, "ENOENT")) throw storageError("remove", file, error);
    });
  }

  async listReminders(): Promise<ReminderRecord[]> {
    const root = join(this.directory, "reminders");
    const found: ReminderRecord[] = [];
    for (const type of await listFolder(root)) {
      for (const key of await listFolder(join(root, type))) {
        for (const name of await listFolder(join(root, type, key))) {
          if (!name.endsWith(".json")) continue;
          const file = join(root, type, key, name);
          let text: string;
          try {
            text = await readFile(file, "utf8");
          } catch (error) {
            if (isCode(error, "ENOENT")) continue; // deleted meanwhile
            throw storageError("read", file, error);
          }
          if (isJson(text)) found.push(JSON.parse(text) as ReminderRecord);
          else this.corruptVersions++;
        }
      }
    }
    return found;
  }

  async close(): Promise<void> {}

  #stateFolder(type: string, key: string): string {
    return join(this.directory, "state", fileName(type), fileName(key));
  }

  async #writeFile(file: string, text: string): Promise<void> {
    if (!this.#fsync) return writeFile(file, text, { flag: "wx" });
    const handle = await open(file, "wx");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** A type name, key or reminder name as one safe file name: no separators, no dots, bounded length. */
function fileName(name: string): string {
  const encoded = encodeURIComponent(name).replace(/\./g, "%2E").replace(/\*/g, "%2A");
  if (encoded.length <= MAX_NAME && encoded.length > 0) return encoded;
  return `~${createHash("sha256").update(name).digest("hex")}`;
}

async function listVersions(folder: string): Promise<number[]> {
  const versions: number[] = [];
  for (const name of await listFolder(folder)) {
    const match = VERSION_FILE.exec(name);
    if (match !== null) versions.push(Number(match[1]));
  }
  return versions.sort((a, b) => a - b);
}

async function listFolder(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw storageError("list", folder, error);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isJson(text: string): boolean {
  if (text.length === 0) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

function storageError(operation: string, path: string, cause: unknown): ActorError {
  return new ActorError(ActorErrorCode.STORAGE, `could not ${operation} ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}
