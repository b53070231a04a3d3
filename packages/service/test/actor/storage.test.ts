import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileStorage, MemoryStorage } from "../../src/index.js";
import { temporaryFolder } from "./members.js";
import { storageContract } from "./storage-contract.js";

storageContract("MemoryStorage", async () => ({ storage: new MemoryStorage(), dispose: () => undefined }));
storageContract("FileStorage", async () => {
  const folder = temporaryFolder();
  return { storage: new FileStorage(folder.path), dispose: folder.remove };
});
storageContract("FileStorage with fsync", async () => {
  const folder = temporaryFolder();
  return { storage: new FileStorage(folder.path, { fsync: true }), dispose: folder.remove };
});

describe("FileStorage", () => {
  it("reads the version before a newest one damaged by a crash, and sets the damaged one aside", async () => {
    const folder = temporaryFolder();
    try {
      const storage = new FileStorage(folder.path);
      await storage.writeState("T", "k", "{\"n\":1}", 0);
      await storage.writeState("T", "k", "{\"n\":2}", 1);
      const keyFolder = join(folder.path, "state", "T", "k");
      // What a power loss with fsync off can leave: the newest version linked, its data never written.
      writeFileSync(join(keyFolder, "3.json"), "");
      expect(await storage.readState("T", "k")).toEqual({ json: "{\"n\":2}", version: 2 });
      expect(storage.corruptVersions).toBe(1);
      expect(readdirSync(keyFolder).sort()).toEqual(["1.json", "2.json", "3.json.corrupt"]);
    } finally {
      folder.remove();
    }
  });

  it("keeps two versions of a key, however many writes", async () => {
    const folder = temporaryFolder();
    try {
      const storage = new FileStorage(folder.path);
      for (let version = 0; version < 20; version++) await storage.writeState("T", "k", String(version), version);
      expect(readdirSync(join(folder.path, "state", "T", "k")).sort()).toEqual(["19.json", "20.json"]);
    } finally {
      folder.remove();
    }
  });
});
