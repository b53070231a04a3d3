/**
 * Bad peers: a raw `node:net` client speaks broken ZMTP to a bound PULL
 * while a good PUSH keeps sending. Each time the bad peer must be dropped
 * with the right monitor event, and every message of the good peer must
 * still arrive, in order.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push, type Event, type EventType } from "../src/index.js";
import {
  RAW_TRANSPORTS,
  bindFresh,
  nextEvent,
  rawCommand,
  rawConnect,
  rawFrame,
  rawGreeting,
  rawReady,
  socketScope,
  until,
  within,
  type RawPeer,
} from "./helpers.js";

const open = socketScope();
const GOOD_MESSAGES = 300;
const MAX_MESSAGE_SIZE = 1024;

describe.each(RAW_TRANSPORTS)("A PULL bound over %s", (transport) => {
  /**
   * Runs `misbehave` against the PULL while a good PUSH sends; returns the
   * monitor event the PULL reported for the bad peer.
   */
  async function withGoodPeer(
    expected: EventType,
    misbehave: (address: string) => Promise<RawPeer | void>,
    options: { handshakeInterval?: number } = {},
  ): Promise<{ event: Event; peer: RawPeer | void }> {
    const pull = open(new Pull({ maxMessageSize: MAX_MESSAGE_SIZE, ...options }));
    const address = await bindFresh(pull, transport);
    const good = open(new Push());
    const goodReady = nextEvent(pull, "handshake");
    good.connect(address);
    await goodReady;
    const received: string[] = [];
    const receiving = (async () => {
      while (received.length < GOOD_MESSAGES) received.push((await pull.receive())[0]!.toString());
    })();
    const sending = (async () => {
      for (let i = 0; i < GOOD_MESSAGES; i++) {
        await good.send(String(i));
        // Spread the good traffic over many I/O turns, around the bad peer's.
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const event = nextEvent(pull, expected);
    const peer = await misbehave(address);
    const seen = await event;
    if (peer) await within(peer.closed, 5000, "the bad peer's connection to close");
    await within(sending, 10_000, "good sends");
    await within(receiving, 10_000, "good receives");
    expect(received).toEqual(Array.from({ length: GOOD_MESSAGES }, (_, i) => String(i)));
    // The socket still takes new peers.
    const late = open(new Push());
    late.connect(address);
    await late.send("late");
    expect((await within(pull.receive()))[0]!.toString()).toBe("late");
    return { event: seen, peer };
  }

  /** Connects and completes a NULL handshake as a PUSH. */
  async function handshaken(address: string): Promise<RawPeer> {
    const peer = await rawConnect(address);
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH")]));
    return peer;
  }

  it("drops a peer sending garbage instead of a greeting when handshakeInterval ends", async () => {
    // RFC 15: a first octet other than %xFF starts a ZMTP/1.0 identity frame ("G": 70 octets
    // to come), so the peer is waited for, as libzmq does, until the handshake interval ends.
    const { event } = await withGoodPeer(
      "handshake:error:protocol",
      async (address) => {
        const peer = await rawConnect(address);
        peer.stream.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
        return peer;
      },
      { handshakeInterval: 300 },
    );
    expect(event.error?.code).toMatch(/^ERR_ZMTP_/);
    expect(event.error?.detail ?? event.error?.message).toMatch(/Handshake not completed/);
  });

  it("drops a peer whose greeting signature is wrong", async () => {
    await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      const greeting = rawGreeting();
      greeting[9] = 0x7e;
      peer.stream.write(greeting);
      return peer;
    });
  });

  it("drops a ZMTP 2.0 peer announcing an incompatible socket type, with an error naming the version", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      // ZMTP 2.0 greeting: signature, revision 1, socket type PULL (7), empty identity.
      peer.stream.write(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x07, 0x00, 0x00]));
      return peer;
    });
    expect(event.error?.code).toBe("ERR_ZMTP_INVALID_METADATA");
    expect(event.error?.detail ?? event.error?.message).toMatch(/PULL \(ZMTP\/2\.0\)/);
  });

  it("sends ERROR to a peer announcing an incompatible socket type, then drops it", async () => {
    const { event, peer } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const raw = await rawConnect(address);
      raw.stream.write(Buffer.concat([rawGreeting(), rawReady("PUB")]));
      return raw;
    });
    expect(event.error?.code).toBe("ERR_ZMTP_INVALID_METADATA");
    const bytes = (peer as RawPeer).received();
    // Our signature: %xFF, padding (RFC 15: identity length + 1), %x7F.
    expect([bytes[0], bytes.readBigUInt64BE(1), bytes[9]]).toEqual([0xff, 1n, 0x7f]);
    // After our greeting: our READY, then ERROR with a reason.
    const afterGreeting = bytes.subarray(64);
    const error = afterGreeting.indexOf(Buffer.from("\x05ERROR"));
    expect(error).toBeGreaterThan(0);
    expect(afterGreeting[error - 2]).toBe(0x04);
    expect(afterGreeting.subarray(error + 7).toString()).toMatch(/socket type/i);
  });

  it("drops a peer that sends a message frame before READY", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(Buffer.concat([rawGreeting(), rawFrame(0, Buffer.from("too early"))]));
      return peer;
    });
    expect(event.error?.detail).toMatch(/before the handshake/);
  });

  it("drops a peer that sends a malformed command", async () => {
    await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      // Name length 10, but only two octets of name follow.
      peer.stream.write(Buffer.concat([rawGreeting(), rawFrame(0x04, Buffer.from([10, 0x41, 0x42]))]));
      return peer;
    });
  });

  it("drops a peer whose READY metadata overruns the command", async () => {
    await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      const props = Buffer.from([11, ...Buffer.from("Socket-Type"), 0, 0, 0, 200, ...Buffer.from("PUSH")]);
      peer.stream.write(Buffer.concat([rawGreeting(), rawCommand("READY", props)]));
      return peer;
    });
  });

  it("drops a peer that does not complete the handshake within handshakeInterval", async () => {
    await withGoodPeer(
      "handshake:error:protocol",
      async (address) => {
        const peer = await rawConnect(address);
        peer.stream.write(rawGreeting().subarray(0, 30));
        return peer;
      },
      { handshakeInterval: 150 },
    );
  });

  it("drops a peer sending a frame above maxMessageSize with EMSGSIZE", async () => {
    const { event } = await withGoodPeer("disconnect", async (address) => {
      const peer = await handshaken(address);
      peer.stream.write(rawFrame(0, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 1)));
      return peer;
    });
    expect(event.error?.code).toBe("EMSGSIZE");
  });

  it("drops a peer that sets reserved frame flags after the handshake", async () => {
    const { event } = await withGoodPeer("disconnect", async (address) => {
      const peer = await handshaken(address);
      peer.stream.write(Buffer.from([0x20, 1, 0x41]));
      return peer;
    });
    expect(event.error).toBeDefined();
  });

  it("does not deliver a message cut short by a peer closing mid-frame", async () => {
    await withGoodPeer("disconnect", async (address) => {
      const peer = await handshaken(address);
      // A complete first part with MORE, then half of the second part.
      const cut = rawFrame(0, Buffer.alloc(500, 0x41)).subarray(0, 200);
      peer.stream.end(Buffer.concat([rawFrame(0x01, Buffer.from("partial")), cut]));
      return peer;
    });
  });

  it("does not deliver a multipart message whose peer left before its last part", async () => {
    await withGoodPeer("disconnect", async (address) => {
      const peer = await handshaken(address);
      peer.stream.end(rawFrame(0x01, Buffer.from("never finished")));
      return peer;
    });
  });

  // ---- peers older than ZMTP 3.0 (RFC 13, RFC 15): bytes written by hand ----------------------

  /** A ZMTP/2.0 PUSH's greeting: signature, revision 1, socket type, empty identity. */
  const zmtp2Greeting = (socketType = 8): Buffer => Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, socketType, 0x00, 0x00]);
  /** A ZMTP/1.0 frame header with the long length (RFC 13: %xFF, 8 octets counting the flags, flags). */
  const zmtp1LongHeader = (length: bigint, flags = 0): Buffer => {
    const header = Buffer.alloc(10);
    header[0] = 0xff;
    header.writeBigUInt64BE(length, 1);
    header[9] = flags;
    return header;
  };

  it("drops a ZMTP/1.0 peer whose frame length is 0", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(Buffer.from([0x00, 0x00]));
      return peer;
    });
    expect(event.error?.detail ?? event.error?.message).toMatch(/ZMTP\/1\.0 frame with length 0/);
  });

  it("drops a ZMTP/1.0 peer announcing an identity above 255 octets", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(Buffer.concat([zmtp1LongHeader(301n), Buffer.alloc(300, 0x69)]));
      return peer;
    });
    expect(event.error?.detail ?? event.error?.message).toMatch(/identity of 300 octets/);
  });

  it("drops a ZMTP/2.0 peer announcing an unknown socket type", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(zmtp2Greeting(42));
      return peer;
    });
    expect(event.error?.detail ?? event.error?.message).toMatch(/unknown socket type 42/);
  });

  it("drops a ZMTP/2.0 peer whose identity frame has MORE set", async () => {
    const { event } = await withGoodPeer("handshake:error:protocol", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(Buffer.concat([zmtp2Greeting().subarray(0, 12), Buffer.from([0x01, 0x01, 0x69])]));
      return peer;
    });
    expect(event.error?.detail ?? event.error?.message).toMatch(/identity frame with MORE/);
  });

  it("drops a ZMTP/2.0 peer sending a frame with the COMMAND flag, which ZMTP/2.0 reserves", async () => {
    const { event } = await withGoodPeer("disconnect", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(Buffer.concat([zmtp2Greeting(), rawCommand("PING", Buffer.from([0, 0]))]));
      return peer;
    });
    expect(event.error?.detail ?? event.error?.message).toMatch(/Invalid ZMTP\/2\.0 frame flags 0x4/);
  });

  it.each([
    ["ZMTP/1.0", () => Buffer.concat([Buffer.from([0x01, 0x00]), zmtp1LongHeader(2n ** 40n)])],
    ["ZMTP/2.0", () => Buffer.concat([zmtp2Greeting(), Buffer.from([0x02, 0, 0, 1, 0, 0, 0, 0, 0])])],
  ])("drops a %s peer announcing a frame above maxMessageSize with EMSGSIZE", async (_version, bytes) => {
    const { event } = await withGoodPeer("disconnect", async (address) => {
      const peer = await rawConnect(address);
      peer.stream.write(bytes());
      return peer;
    });
    expect(event.error?.code).toBe("EMSGSIZE");
  });

  it("answers PING with PONG and ignores unknown commands", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const peer = await handshaken(address);
    const pingData = Buffer.from([0, 10, ...Buffer.from("ctx")]);
    peer.stream.write(Buffer.concat([rawCommand("X-UNKNOWN", Buffer.from("?")), rawCommand("PING", pingData)]));
    const pong = Buffer.from("\x04PONGctx");
    await until(() => peer.received().indexOf(pong) > 0, "the PONG");
    peer.stream.write(rawFrame(0, Buffer.from("still here")));
    expect((await within(pull.receive()))[0]!.toString()).toBe("still here");
    peer.stream.destroy();
  });
});
