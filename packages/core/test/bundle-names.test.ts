/**
 * The bundled Node entries (scripts/node-bundle.mjs) keep each class's own
 * name where V8 prints it: in "Class constructor X cannot be invoked without
 * 'new'", in "Cannot set property p of #<X> which has only a getter" and in
 * stack traces, as tsc's per-file output and the `zeromq` package do. The
 * built package (dist/, what users load) is imported as is.
 */
import { describe, expect, test } from "vitest";
import { checkBuild } from "./worker-thread.js";

type Loaded = Record<string, unknown>;
const entries = ["index", "draft", "draft-extra"] as const;

async function load(entry: (typeof entries)[number]): Promise<Loaded> {
  checkBuild();
  return (await import(new URL(`../dist/${entry}.js`, import.meta.url).href)) as Loaded;
}

/** The exported classes of an entry: functions with a `class` source. */
function classes(module: Loaded): [string, new (...args: unknown[]) => unknown][] {
  return Object.entries(module).filter(
    (entry): entry is [string, new (...args: unknown[]) => unknown] => typeof entry[1] === "function" && Function.prototype.toString.call(entry[1]).startsWith("class"),
  );
}

describe("the bundled entries keep class names", () => {
  for (const entry of entries) {
    test(`every class of dist/${entry}.js, called without new, names itself as exported`, async () => {
      const found = classes(await load(entry));
      expect(found.length).toBeGreaterThan(0);
      for (const [name, cls] of found) {
        if (cls.name !== name) continue; // an alias (export { A as B }) names its class
        expect(() => (cls as unknown as () => unknown)(), name).toThrow(`Class constructor ${name} cannot be invoked without 'new'`);
      }
    });
  }

  test("a read-only option set on a Context or a socket names the class that defines it (zeromq's messages)", async () => {
    const core = await load("index");
    const Context = core["Context"] as new () => { close(): void };
    const Dealer = core["Dealer"] as new (options?: object) => { close(): void };
    const context = new Context();
    const dealer = new Dealer({ context });
    try {
      expect(() => Object.assign(context, { maxSocketsLimit: 1 })).toThrow("Cannot set property maxSocketsLimit of #<Context> which has only a getter");
      expect(() => Object.assign(dealer, { securityMechanism: null })).toThrow("Cannot set property securityMechanism of #<Socket> which has only a getter");
    } finally {
      dealer.close();
      context.close();
    }
  });

  test("stack traces name the class", async () => {
    const core = await load("index");
    const Dealer = core["Dealer"] as new () => { close(): void; connect(endpoint: string): void };
    const dealer = new Dealer();
    try {
      const error = (() => {
        try {
          dealer.connect("nonsense");
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(error?.stack ?? "").not.toMatch(/\b_[A-Z]\w*\./);
    } finally {
      dealer.close();
    }
  });
});
