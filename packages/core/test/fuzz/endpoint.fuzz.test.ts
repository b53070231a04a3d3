/**
 * Fuzz target: endpoint strings (src/transport/transport.ts and endpoint.ts), as bind() and
 * connect() take them. Documented errors: ZmqError EINVAL and EPROTONOSUPPORT.
 */
import { describe } from "vitest";
import { ZmqError } from "../../src/errors.js";
// The Node entry's transports, as bind() and connect() see them.
import "../../src/transport/node-transports.js";
import type { TcpEndpoint, UdpEndpoint, WsEndpoint } from "../../src/transport/endpoint.js";
import { parseEndpoint } from "../../src/transport/transport.js";
import { check, fuzzTest, typedError, type FuzzTarget } from "./fuzz.js";

const SEEDS = [
  "tcp://127.0.0.1:5555",
  "tcp://*:*",
  "tcp://[::1]:5555",
  "tcp://192.168.1.2;10.0.0.1:5555",
  "tcp://eth0:0",
  "ipc:///tmp/skein.sock",
  "ipc://*",
  "inproc://name",
  "ws://127.0.0.1:8080/path",
  "ws://[::1]:80",
  "pgm://eth0;239.192.1.1:5555",
  "udp://x:1",
  "udp://127.0.0.1;239.192.1.1:5555",
].map((text) => Buffer.from(text, "latin1"));

const target: FuzzTarget = {
  name: "endpoint string",
  seeds: SEEDS,
  allowed: (error) => typedError(error, ZmqError, ["EINVAL", "EPROTONOSUPPORT"]),
  run(input, random) {
    const address = random.chance(0.9) ? input.toString("latin1") : input.toString("utf8");
    const endpoint = parseEndpoint(address, random.chance(0.5), random.chance(0.5));
    check(endpoint.address === address, "the endpoint lost its address");
    if (endpoint.transport === "tcp" || endpoint.transport === "ws" || endpoint.transport === "udp") {
      const { host, port } = endpoint as TcpEndpoint | WsEndpoint | UdpEndpoint;
      check(Number.isInteger(port) && port >= 0 && port <= 65535, "port out of range");
      check(host.length > 0, "empty host accepted");
    }
  },
};

describe("fuzz: endpoint strings", () => {
  fuzzTest(target);
});
