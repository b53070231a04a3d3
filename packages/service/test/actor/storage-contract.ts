/** What every ActorStorage must do, run against each implementation. */
import { describe, expect, it } from "vitest";
import { ActorErrorCode, type ActorStorage } from "../../src/index.js";

export function storageContract(name: string, open: () => Promise<{ storage: ActorStorage; dispose: () => Promise<void> | void }>): void {
  describe(`${name} (ActorStorage contract)`, () => {
    async function withStorage(run: (storage: ActorStorage) => Promise<void>): Promise<void> {
      const { storage, dispose } = await open();
      try {
        await run(storage);
      } finally {
        await storage.close();
        await dispose();
      }
    }

    it("reads version 0 and no JSON for a key never written, then each write's version", () => withStorage(async (storage) => {
      expect(await storage.readState("T", "k")).toEqual({ json: "", version: 0 });
      expect(await storage.writeState("T", "k", "{\"a\":1}", 0)).toBe(1);
      expect(await storage.writeState("T", "k", "{\"a\":2}", 1)).toBe(2);
      expect(await storage.readState("T", "k")).toEqual({ json: "{\"a\":2}", version: 2 });
    }));

    it("refuses a write whose expected version is not the stored one with ACTOR_CONFLICT, keeping the stored state", () => withStorage(async (storage) => {
      await storage.writeState("T", "k", "1", 0);
      await storage.writeState("T", "k", "2", 1);
      await expect(storage.writeState("T", "k", "stale", 1)).rejects.toMatchObject({ code: ActorErrorCode.CONFLICT });
      await expect(storage.writeState("T", "k", "stale", 0)).rejects.toMatchObject({ code: ActorErrorCode.CONFLICT });
      expect(await storage.readState("T", "k")).toEqual({ json: "2", version: 2 });
    }));

    it("keeps keys and types apart, whatever characters they hold", () => withStorage(async (storage) => {
      const keys = ["..", "a/b", "a\\b", ".", "x".repeat(400), "é€😀", "", "a*b?c:d"];
      for (const [i, key] of keys.entries()) await storage.writeState("T/.", key, JSON.stringify(i), 0);
      for (const [i, key] of keys.entries()) expect(await storage.readState("T/.", key)).toEqual({ json: JSON.stringify(i), version: 1 });
      expect(await storage.readState("T", "..")).toEqual({ json: "", version: 0 });
      await storage.clearState("T/.", "..");
      expect(await storage.readState("T/.", "..")).toEqual({ json: "", version: 0 });
    }));

    it("stores, replaces, lists and deletes reminders", () => withStorage(async (storage) => {
      await storage.writeReminder({ type: "T", key: "k", name: "a", dueAt: 10, period: 0 });
      await storage.writeReminder({ type: "T", key: "k", name: "a", dueAt: 20, period: 5 });
      await storage.writeReminder({ type: "T", key: "j", name: "b.c", dueAt: 30, period: 0 });
      const listed = (await storage.listReminders()).sort((x, y) => x.dueAt - y.dueAt);
      expect(listed).toEqual([{ type: "T", key: "k", name: "a", dueAt: 20, period: 5 }, { type: "T", key: "j", name: "b.c", dueAt: 30, period: 0 }]);
      await storage.deleteReminder("T", "k", "a");
      await storage.deleteReminder("T", "k", "none");
      expect(await storage.listReminders()).toEqual([{ type: "T", key: "j", name: "b.c", dueAt: 30, period: 0 }]);
    }));
  });
}
