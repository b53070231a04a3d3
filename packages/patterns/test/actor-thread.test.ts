/**
 * Actor threads (CZMQ's zactor) in real worker threads: the PAIR pipe over
 * inproc://, the ready and $TERM handshake, failures surfacing in the caller.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ActorThread, PatternError } from "../src/index.js";

const started: ActorThread[] = [];
afterEach(async () => {
  for (const actor of started.splice(0)) {
    if (actor.exitCode === null) await actor.worker.terminate();
    actor.pipe.close();
  }
});

async function start(...args: Parameters<typeof ActorThread.start>): Promise<ActorThread> {
  const actor = await ActorThread.start(...args);
  started.push(actor);
  return actor;
}

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

describe("ActorThread", () => {
  it("runs a function in a worker thread that answers over its PAIR pipe and ends on $TERM", async () => {
    (globalThis as { callerMark?: string }).callerMark = "caller";
    const actor = await start(async (pipe) => {
      for await (const [frame] of pipe) {
        if (frame!.toString() === "$TERM") return;
        // Another thread has its own globals: the caller's mark is not there.
        await pipe.send([frame!, String((globalThis as { callerMark?: string }).callerMark)]);
      }
    });
    await actor.pipe.send("ping");
    const [echo, mark] = await actor.pipe.receive();
    expect(echo!.toString()).toBe("ping");
    expect(mark!.toString()).toBe("undefined");
    await actor.terminate();
    // It returned on $TERM: the thread ended on its own, not stopped by terminate().
    expect(actor.exitCode).toBe(0);
    expect(actor.pipe.closed).toBe(true);
  });

  it("runs a module's default export with the caller's args", async () => {
    const actor = await start(fixture("greeter-actor.mjs"), { args: { greeting: "hello" } });
    await actor.pipe.send("actor");
    expect((await actor.pipe.receive())[0]!.toString()).toBe("hello actor");
    await actor.terminate();
    expect(actor.exitCode).toBe(0);
  });

  it("surfaces an actor's error in the caller as an error event and a rejection of exited()", async () => {
    const actor = await start(async (pipe) => {
      await pipe.receive();
      throw new Error("the actor broke");
    });
    const failure = new Promise<PatternError>((resolve) => actor.once("error", resolve));
    await actor.pipe.send("go");
    const error = await failure;
    expect(error).toBeInstanceOf(PatternError);
    expect(error.code).toBe("EACTOR");
    expect((error.cause as Error).message).toBe("the actor broke");
    await expect(actor.exited()).rejects.toMatchObject({ code: "EACTOR" });
    await expect(actor.terminate()).rejects.toMatchObject({ code: "EACTOR" });
  });

  it("stops an actor that ignores $TERM once terminateTimeout has passed", async () => {
    const actor = await start(
      async (pipe) => {
        for await (const [frame] of pipe) void frame;
      },
      { terminateTimeout: 100 },
    );
    await actor.terminate();
    // Worker.terminate() ends a thread with exit code 1; that is not reported as a failure.
    expect(actor.exitCode).toBe(1);
    expect(actor.error).toBeNull();
  });

  it("starts an actor that sends and returns before the caller has read its ready signal", async () => {
    // The thread often ends before the caller reads the ring: its messages outlive it.
    for (let i = 0; i < 5; i++) {
      const actor = await start(async (pipe) => {
        await pipe.send("bye");
      });
      expect((await actor.pipe.receive())[0]!.toString()).toBe("bye");
      await actor.exited();
      expect(actor.exitCode).toBe(0);
    }
  });

  it("rejects start() with EACTOR when the actor's thread ends cleanly before its ready signal", async () => {
    await expect(ActorThread.start(fixture("exits-before-ready.mjs"))).rejects.toMatchObject({ code: "EACTOR" });
  });

  it("rejects start() with EACTOR when the module exports no function", async () => {
    await expect(ActorThread.start(fixture("greeter-actor.mjs"), { export: "notAFunction" })).rejects.toMatchObject({
      code: "EACTOR",
    });
  });

  it("an actor that returns on its own is a disconnected peer on the caller's pipe", async () => {
    const actor = await start(async (pipe) => {
      await pipe.receive();
      await pipe.send("bye");
    });
    // Listening before the actor is told to go: its end is not missed.
    const disconnected = new Promise<void>((resolve) => actor.pipe.events.on("disconnect", () => resolve()));
    await actor.pipe.send("go");
    expect((await actor.pipe.receive())[0]!.toString()).toBe("bye");
    await actor.exited();
    await disconnected;
    expect(actor.exitCode).toBe(0);
  });
});
