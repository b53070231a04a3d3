/**
 * file-storage.ts in a browser (the package.json `browser` field maps it
 * here): a page has no file system.
 */
import { ActorError, ActorErrorCode } from "./actor-error.js";

export type { FileStorageOptions } from "./file-storage.js";

/** {@link FileStorage} of file-storage.ts, refusing to be made. */
export class FileStorage {
  constructor() {
    throw new ActorError(ActorErrorCode.CLOSED, "A browser has no file system for FileStorage: use MemoryStorage");
  }
}
