import { describe, expect, test } from "vitest";
import { Pull, Push } from "../src/index.js";
import { TRANSPORTS, bindFresh, socketScope, strings, until } from "./helpers.js";

describe.each(TRANSPORTS)("conflate over %s", (transport) => {
  const open = socketScope();

  test("a conflating PULL keeps only the newest message", async () => {
    const pull = open(new Pull({ conflate: true }));
    const address = await bindFresh(pull, transport);
    const push = open(new Push());
    push.connect(address);
    for (let i = 1; i <= 50; i++) await push.send(`reading ${i}`);
    // Wait until the last reading has arrived, then only it is left.
    const seen: string[] = [];
    await until(() => {
      if (!pull.readable) return false;
      return true;
    }, "a message");
    for (;;) {
      const [msg] = await pull.receive();
      seen.push(String(msg));
      if (String(msg) === "reading 50") break;
    }
    expect(seen.length).toBeLessThan(50);
    expect(seen.at(-1)).toBe("reading 50");
    expect(pull.readable).toBe(false);
    expect(strings([Buffer.from("ok")])).toEqual(["ok"]);
  });
});
