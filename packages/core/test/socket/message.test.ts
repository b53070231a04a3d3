import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { bindFresh, socketScope, within } from "../helpers.js";

const open = socketScope();

describe("Message frames", () => {
  async function roundTrip(message: Parameters<Push["send"]>[0]): Promise<Buffer[]> {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, "tcp"));
    await push.send(message);
    return within(pull.receive());
  }

  it("sends strings as UTF-8, numbers and booleans as their text and null as an empty frame, as zeromq", async () => {
    const msg = await roundTrip(["héllo", 42, null, 16.19, true]);
    expect(msg[0]!.toString("utf8")).toBe("héllo");
    expect(msg[1]!.toString()).toBe("42");
    expect(msg[2]!.length).toBe(0);
    expect(msg[3]!.toString()).toBe("16.19");
    expect(msg[4]!.toString()).toBe("true");
  });

  it("sends typed arrays by their visible bytes only, and ArrayBuffers whole", async () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    const view = new Uint8Array(backing.buffer, 1, 3);
    const msg = await roundTrip([view, new Uint16Array([0x0102]), backing.buffer]);
    expect([...msg[0]!]).toEqual([1, 2, 3]);
    expect(msg[1]!.length).toBe(2);
    expect([...msg[2]!]).toEqual([9, 1, 2, 3, 9]);
  });

  it("sends anything else as its string form, as zeromq: objects, functions, promises, undefined inside an array", async () => {
    const msg = await roundTrip([{} as never, Promise.resolve() as never, (() => 1) as never, undefined as never, 10n as never]);
    expect(msg.map(String)).toEqual(["[object Object]", "[object Promise]", "() => 1", "undefined", "10"]);
  });

  it("rejects an empty message, a missing one (zeromq's text) and a Symbol frame with a TypeError", async () => {
    const push = open(new Push());
    await expect(push.send([])).rejects.toBeInstanceOf(TypeError);
    await expect(push.send(undefined as never)).rejects.toThrow(new TypeError("Message must be present"));
    await expect(push.send([Buffer.from("ok"), Symbol("frame") as never])).rejects.toBeInstanceOf(TypeError);
  });
});
