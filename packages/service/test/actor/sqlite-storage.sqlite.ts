// Run by .ci/suites/actors-sqlite.sh (better-sqlite3 compiles from source here: not in the README's install).
import { createRequire } from "node:module";
import { join } from "node:path";
import { SqliteStorage, type SqliteDatabase } from "../../src/index.js";
import { temporaryFolder } from "./members.js";
import { storageContract } from "./storage-contract.js";

const modulePath = process.env.SKEIN_BETTER_SQLITE3;
if (modulePath === undefined) throw new Error("set SKEIN_BETTER_SQLITE3 to the folder of an installed better-sqlite3 (see .ci/suites/actors-sqlite.sh)");
const Database = createRequire(import.meta.url)(modulePath) as new (file: string) => SqliteDatabase;

storageContract("SqliteStorage", async () => {
  const folder = temporaryFolder();
  return { storage: new SqliteStorage(new Database(join(folder.path, "actors.db"))), dispose: folder.remove };
});
