import { describe, expect, it } from "vitest";
import { AuthError, ProtocolError } from "../../src/errors.js";
import type { MechanismHost } from "../../src/mechanism/mechanism.js";
import { PlainMechanism } from "../../src/mechanism/plain.js";
import { encodeErrorReason } from "../../src/zmtp/commands.js";
import { handshake, lone, securityOptions, settle, zapReply, type ZapHandler } from "./mechanism-pair.js";

const create = (host: MechanismHost) => new PlainMechanism(host);

const checkAdmin: ZapHandler = (request) => {
  const [username, password] = request.credentials.map((value) => value.toString());
  return username === "admin" && password === "secret"
    ? zapReply("200", "admin-user", new Map([["Role", Buffer.from("ops")]]))
    : zapReply("400");
};

function client(username: string, password: string) {
  return {
    asServer: false,
    security: securityOptions({ plainUsername: username, plainPassword: password }),
    metadata: new Map([
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.from("client-1")],
    ]),
  };
}

function server(zap: ZapHandler) {
  return {
    asServer: true,
    security: securityOptions({ plainServer: true, zapDomain: "global" }),
    metadata: new Map([["Socket-Type", Buffer.from("ROUTER")]]),
    zap,
  };
}

describe("PLAIN mechanism (RFC 24)", () => {
  it("completes the handshake when the ZAP handler accepts, exchanging metadata both ways", async () => {
    const pair = await handshake(create, client("admin", "secret"), server(checkAdmin));
    expect(pair.client.failed).toBeNull();
    expect(pair.server.failed).toBeNull();
    expect(pair.client.sent.map((c) => c.name)).toEqual(["HELLO", "INITIATE"]);
    expect(pair.server.sent.map((c) => c.name)).toEqual(["WELCOME", "READY"]);
    expect(pair.server.succeeded?.peerMetadata.get("Socket-Type")?.toString()).toBe("DEALER");
    expect(pair.server.succeeded?.peerMetadata.get("Identity")?.toString()).toBe("client-1");
    expect(pair.client.succeeded?.peerMetadata.get("Socket-Type")?.toString()).toBe("ROUTER");
    expect(pair.server.succeeded?.userId).toBe("admin-user");
    expect(pair.server.succeeded?.zapMetadata?.get("Role")?.toString()).toBe("ops");
  });

  it("asks ZAP with mechanism PLAIN, the domain, the peer address and [username, password]", async () => {
    const pair = await handshake(create, client("admin", "secret"), server(checkAdmin));
    expect(pair.server.zapRequests).toHaveLength(1);
    const request = pair.server.zapRequests[0]!;
    expect(request.mechanism).toBe("PLAIN");
    expect(request.domain).toBe("global");
    expect(request.address).toBe("tcp://127.0.0.1:5555");
    expect(request.credentials.map((value) => value.toString())).toEqual(["admin", "secret"]);
  });

  it("sends HELLO as length-prefixed username and password", () => {
    const host = lone(create, client("ab", "xyz"));
    expect(host.sent[0]!.name).toBe("HELLO");
    expect(host.sent[0]!.data).toEqual(Buffer.from("\x02ab\x03xyz", "latin1"));
  });

  it("fails both sides with AuthError status 400 when the ZAP handler denies the password", async () => {
    const pair = await handshake(create, client("admin", "wrong"), server(checkAdmin));
    expect(pair.server.failed).toBeInstanceOf(AuthError);
    expect(pair.server.failed?.status).toBe(400);
    expect(pair.client.failed).toBeInstanceOf(AuthError);
    expect(pair.client.failed?.status).toBe(400);
    expect(pair.client.succeeded).toBeNull();
    expect(pair.server.sent.map((c) => c.name)).toEqual(["ERROR"]);
  });

  it("refuses every client when no ZAP handler is installed, as libzmq 4.3 does (EFAULT)", async () => {
    const pair = await handshake(create, client("admin", "secret"), server(null));
    expect(pair.server.failed?.code).toBe("EFAULT");
    expect(pair.server.failed?.detail ?? pair.server.failed?.message).toMatch(/no ZAP handler/);
    // The client is told nothing (no ERROR): over a connection it sees the server hang up.
    expect(pair.server.sent).toEqual([]);
    expect(pair.server.succeeded).toBeNull();
    expect(pair.client.succeeded).toBeNull();
  });

  it("fails the server when the ZAP handler itself throws, without an unhandled rejection", async () => {
    const pair = await handshake(create, client("admin", "secret"), server(() => Promise.reject(new Error("db down"))));
    expect(pair.server.failed?.detail).toMatch(/db down/);
    expect(pair.server.failures).toBe(1);
  });

  it("accepts empty username and password", async () => {
    const pair = await handshake(create, client("", ""), server((request) => {
      expect(request.credentials.map((value) => value.length)).toEqual([0, 0]);
      return zapReply("200");
    }));
    expect(pair.server.succeeded).not.toBeNull();
    expect(pair.client.succeeded).not.toBeNull();
  });

  it("refuses a username longer than 255 bytes before sending anything", () => {
    const host = lone(create, client("x".repeat(256), "pw"));
    expect(host.failed?.code).toBe("EINVAL");
    expect(host.sent.filter((c) => c.name === "HELLO")).toHaveLength(0);
  });

  it("rejects every malformed HELLO length with ERR_ZMTP_MALFORMED_COMMAND_HELLO and never asks ZAP", async () => {
    const valid = Buffer.from("\x05admin\x06secret", "latin1");
    for (let length = 0; length < valid.length + 3; length++) {
      if (length === valid.length) continue;
      const data = Buffer.alloc(length);
      valid.copy(data, 0, 0, Math.min(length, valid.length));
      const host = lone(create, server(checkAdmin));
      host.mechanism.onCommand("HELLO", data);
      await settle(host);
      expect(host.failed).toBeInstanceOf(ProtocolError);
      expect(host.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_HELLO");
      expect(host.zapRequests).toHaveLength(0);
    }
  });

  it("rejects a command from another mechanism with ERR_ZMTP_UNEXPECTED_COMMAND", () => {
    for (const name of ["READY", "INITIATE", "WELCOME", "MESSAGE"]) {
      const host = lone(create, server(checkAdmin));
      host.mechanism.onCommand(name, Buffer.alloc(0));
      expect(host.failed?.code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND");
    }
    const clientHost = lone(create, client("a", "b"));
    clientHost.mechanism.onCommand("READY", Buffer.alloc(0));
    expect(clientHost.failed?.code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND");
  });

  it("rejects a WELCOME with data and an INITIATE with malformed metadata", async () => {
    const clientHost = lone(create, client("a", "b"));
    clientHost.mechanism.onCommand("WELCOME", Buffer.from([1]));
    expect(clientHost.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_WELCOME");

    const serverHost = lone(create, server(checkAdmin));
    serverHost.mechanism.onCommand("HELLO", Buffer.from("\x05admin\x06secret", "latin1"));
    await settle(serverHost);
    expect(serverHost.sent.map((c) => c.name)).toEqual(["WELCOME"]);
    serverHost.mechanism.onCommand("INITIATE", Buffer.from([5, 0x41]));
    expect(serverHost.failed?.code).toBe("ERR_ZMTP_INVALID_METADATA");
  });

  it("turns a peer's ERROR into a ProtocolError naming the reason, or an AuthError for a ZAP status", () => {
    const first = lone(create, client("a", "b"));
    first.mechanism.onCommand("ERROR", encodeErrorReason("Invalid socket type"));
    expect(first.failed).toBeInstanceOf(ProtocolError);
    expect(first.failed?.detail).toMatch(/Invalid socket type/);
    const second = lone(create, client("a", "b"));
    second.mechanism.onCommand("ERROR", encodeErrorReason("300"));
    expect(second.failed).toBeInstanceOf(AuthError);
    expect(second.failed?.status).toBe(300);
  });

  it("fails only once however many commands follow a failure", () => {
    const host = lone(create, server(checkAdmin));
    host.mechanism.onCommand("READY", Buffer.alloc(0));
    host.mechanism.onCommand("HELLO", Buffer.from("\x01a\x01b", "latin1"));
    host.mechanism.onCommand("ERROR", Buffer.alloc(0));
    expect(host.failures).toBe(1);
  });
});
