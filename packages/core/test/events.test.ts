import { describe, expect, it } from "vitest";
import { Pull, Push, type Event } from "../src/index.js";
import { bindFresh, eventCount, freeAddress, nextEvent, recordEvents, socketScope, within } from "./helpers.js";

const open = socketScope();

describe("Socket monitor events", () => {
  it("can be iterated with for await, ending when the socket closes", async () => {
    const pull = open(new Pull());
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const event of pull.events) {
        seen.push(event.type);
        if (event.type === "handshake") pull.close();
      }
    })();
    await bindFresh(pull, "tcp");
    open(new Push()).connect(pull.lastEndpoint!);
    await within(iterating, 5000, "the for await to end with the socket");
    expect(seen).toEqual(["bind", "accept", "handshake", "close", "end"]);
  });

  it("refuses receive() and for await once on() or off() was called, with zeromq's EBUSY message", async () => {
    const message =
      "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().";
    const listened = open(new Pull());
    const seen: string[] = [];
    listened.events.on("bind", (event) => seen.push(event.type));
    // Thrown, not rejected, as zeromq does.
    expect(() => listened.events.receive()).toThrow(expect.objectContaining({ code: "EBUSY", message }));
    await expect(async () => {
      for await (const _ of listened.events) break;
    }).rejects.toMatchObject({ code: "EBUSY", message });
    // The listeners still get the events.
    await bindFresh(listened, "inproc");
    expect(seen).toEqual(["bind"]);

    const unlistened = open(new Pull());
    unlistened.events.off("bind", () => undefined);
    expect(() => unlistened.events.receive()).toThrow(expect.objectContaining({ code: "EBUSY" }));
  });

  it("ends a for await at its next step when on() is called during it", async () => {
    const pull = open(new Pull());
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const event of pull.events) {
        seen.push(event.type);
        pull.events.on("close", () => undefined);
      }
    })();
    await bindFresh(pull, "inproc");
    await expect(within(iterating, 5000, "the for await to fail")).rejects.toMatchObject({ code: "EBUSY" });
    expect(seen).toEqual(["bind"]);
  });

  it("receive() yields queued events and rejects once the observer is closed", async () => {
    const pull = open(new Pull());
    const first = pull.events.receive();
    await bindFresh(pull, "inproc");
    expect((await first).type).toBe("bind");
    pull.close();
    expect((await pull.events.receive()).type).toBe("end");
    await expect(pull.events.receive()).rejects.toMatchObject({ code: "EBADF", message: "Socket is closed" });
  });

  it("reports bind:error with the error, and the address without its scheme as libzmq does", async () => {
    const first = open(new Pull());
    const address = await bindFresh(first, "tcp");
    const second = open(new Pull());
    const failed = nextEvent(second, "bind:error");
    await expect(second.bind(address)).rejects.toMatchObject({ code: "EADDRINUSE", message: "Address already in use", address });
    const event = await failed;
    expect(`tcp://${event.address}`).toBe(address);
    expect(event.error).toMatchObject({ code: "EADDRINUSE", message: "Address already in use" });
  });

  it("delivers the end event to a reader that starts after close, then rejects with EBADF", async () => {
    const pull = open(new Pull());
    pull.close();
    expect(pull.events.closed).toBe(true);
    expect(await pull.events.receive()).toEqual({ type: "end" });
    await expect(pull.events.receive()).rejects.toMatchObject({ code: "EBADF", message: "Socket is closed" });
  });

  it("reports close when an endpoint is unbound", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, "tcp");
    const closed = nextEvent(pull, "close");
    await pull.unbind(address);
    expect((await closed).address).toBe(address);
  });

  it("backs off connect:retry intervals up to reconnectMaxInterval", async () => {
    const push = open(new Push({ reconnectInterval: 10, reconnectMaxInterval: 40 }));
    const retries = eventCount(push, "connect:retry", 4);
    push.connect(await freeAddress("tcp"));
    expect((await retries).map((e: Event) => e.interval)).toEqual([10, 20, 40, 40]);
  });

  it("stops calling a listener removed with off()", async () => {
    const pull = open(new Pull());
    const calls: string[] = [];
    const listener = (event: Event) => calls.push(event.address ?? "");
    pull.events.on("bind", listener);
    await bindFresh(pull, "inproc");
    pull.events.off("bind", listener);
    await bindFresh(pull, "inproc");
    expect(calls).toHaveLength(1);
  });

  it("reports disconnect and connect again when a connected peer restarts", async () => {
    const first = open(new Pull());
    const address = await bindFresh(first, "tcp");
    const push = open(new Push({ reconnectInterval: 10 }));
    const events = recordEvents(push, "connect", "handshake", "disconnect");
    const ready = nextEvent(push, "handshake");
    push.connect(address);
    await ready;
    const gone = nextEvent(push, "disconnect");
    first.close();
    await gone;
    const back = nextEvent(push, "handshake");
    await open(new Pull()).bind(address);
    await back;
    expect(events.map((e) => e.type)).toEqual(["connect", "handshake", "disconnect", "connect", "handshake"]);
  });
});

describe("new Observer(socket), as in the zeromq package", () => {
  it("is the socket's own observer and sees its events", async () => {
    const { Observer, Pull } = await import("../src/index.js");
    const pull = new Pull({ linger: 0 });
    const observer = new Observer(pull);
    expect(observer).toBe(pull.events);
    const seen: string[] = [];
    observer.on("bind", (event) => seen.push(event.address!));
    await pull.bind("tcp://127.0.0.1:0");
    expect(seen).toEqual([pull.lastEndpoint]);
    pull.close();
  });
});
