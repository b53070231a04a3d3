/**
 * Fuzz target: the ZMTP engine (src/zmtp/engine.ts) on the accepting side of
 * a PUB socket, over an in-memory stream: what only the engine parses (the
 * greeting in pieces, commands after the handshake: PING, PONG, SUBSCRIBE,
 * CANCEL, ERROR, and subscriptions as messages from a ZMTP 3.0 peer) fed
 * with a mutated peer's whole byte stream in random chunk splits.
 *
 * Checks: nothing escapes the engine; a connection it closes carries null or
 * a typed ZmqError that wraps no TypeError; once the input is consumed the
 * engine is closed and the PUB socket holds no pipe or subscription of it
 * (the heap bound over the run would show one left behind).
 */
import { afterAll, describe } from "vitest";
import { Context } from "../../src/context.js";
import { ZmqError } from "../../src/errors.js";
import type { Pipe } from "../../src/pipe.js";
import { Publisher } from "../../src/socket/publisher.js";
import { encodeCommand, encodePing } from "../../src/zmtp/commands.js";
import { ZmtpEngine, type EngineSession } from "../../src/zmtp/engine.js";
import { encodeGreeting } from "../../src/zmtp/greeting.js";
import { encodeMetadata } from "../../src/zmtp/metadata.js";
import { frameStream } from "./corpus.js";
import { check, fuzzTest, randomChunks, wrapsUntyped, type FuzzTarget } from "./fuzz.js";
import { MemoryStream } from "./memory-stream.js";

const context = new Context();
const publisher = new Publisher({ context });

const READY = encodeCommand("READY", encodeMetadata(new Map([["Socket-Type", Buffer.from("SUB")]])));
const command = (name: string, data: Buffer = Buffer.alloc(0)): [Buffer, boolean, boolean] => [encodeCommand(name, data), false, true];

const SEEDS = [
  Buffer.concat([encodeGreeting("NULL", false), frameStream([[READY, false, true], command("SUBSCRIBE", Buffer.from("topic")), command("PING", encodePing(10, Buffer.from("ctx"))), command("CANCEL", Buffer.from("topic"))])]),
  Buffer.concat([encodeGreeting("NULL", false, 0), frameStream([[READY, false, true], [Buffer.from("\x01news", "latin1"), false], [Buffer.from("\x00news", "latin1"), false], [Buffer.alloc(3), true], [Buffer.alloc(0), false]])]),
  Buffer.concat([encodeGreeting("NULL", false), frameStream([[READY, false, true], command("PONG", Buffer.from("x")), command("UNKNOWN"), command("ERROR", Buffer.from("\x03bye", "latin1"))])]),
  Buffer.concat([encodeGreeting("NULL", false), frameStream([command("ERROR", Buffer.from("\x05nope!", "latin1"))])]),
];

interface Outcome {
  error: ZmqError | null;
  closed: boolean;
}

/** The session an accepting transport would be: one pipe per handshake, released when the engine closes. */
function session(outcome: Outcome): EngineSession {
  let pipe: Pipe | null = null;
  return {
    engineReady(engine) {
      pipe = publisher.createPipe(false, "tcp://fuzz");
      if (!publisher.attachPipe(pipe)) {
        engine.close(new ZmqError("EHOSTUNREACH", "refused"));
        return;
      }
      engine.attach(pipe);
    },
    engineClosed(_engine, error) {
      outcome.closed = true;
      outcome.error = error;
      pipe?.peerLeft();
    },
  };
}

const target: FuzzTarget = {
  name: "ZMTP engine (PUB side)",
  seeds: SEEDS,
  allowed: (error) => error instanceof ZmqError && !wrapsUntyped(error),
  ciRuns: 500,
  async run(input, random) {
    const outcome: Outcome = { error: null, closed: false };
    const stream = new MemoryStream();
    const engine = new ZmtpEngine(stream.asSocket, publisher, session(outcome), "tcp://fuzz", "tcp://127.0.0.1:1");
    engine.start("NULL", false);
    for (const chunk of randomChunks(input, random)) stream.push(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    if (!engine.closed) engine.close(null);
    check(outcome.closed, "the engine closed without telling its session");
    if (outcome.error !== null) throw outcome.error;
  },
};

describe("fuzz: ZMTP engine", () => {
  afterAll(() => {
    publisher.close();
    context.close();
  });
  fuzzTest(target);
});
