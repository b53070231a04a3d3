import { describe, expect, it } from "vitest";
import { isDnsEndpoint, parseDnsEndpoint } from "../../src/index.js";
import { formatEndpoint } from "../../src/discovery/dns-endpoint.js";

describe("parseDnsEndpoint", () => {
  it("reads tcp+dns://name:port as every A/AAAA address of the name on that port", () => {
    expect(parseDnsEndpoint("tcp+dns://greeter.default.svc.cluster.local:5701")).toEqual({
      kind: "dns", address: "tcp+dns://greeter.default.svc.cluster.local:5701", transport: "tcp",
      name: "greeter.default.svc.cluster.local", port: 5701, path: "",
    });
    expect(parseDnsEndpoint("tcp+dns://greeter:1")).toMatchObject({ name: "greeter", port: 1 });
    expect(parseDnsEndpoint("tcp+dns://greeter.example.:65535")).toMatchObject({ name: "greeter.example.", port: 65535 });
  });

  it("reads tcp+srv://_service._proto.name, with ports from the records", () => {
    expect(parseDnsEndpoint("tcp+srv://_rpc._tcp.greeter.default.svc.cluster.local")).toEqual({
      kind: "srv", address: "tcp+srv://_rpc._tcp.greeter.default.svc.cluster.local", transport: "tcp",
      name: "_rpc._tcp.greeter.default.svc.cluster.local", path: "",
    });
  });

  it("keeps a ws path, / by default", () => {
    expect(parseDnsEndpoint("ws+dns://hub.test:80/zmq")).toMatchObject({ transport: "ws", path: "/zmq", port: 80 });
    expect(parseDnsEndpoint("ws+dns://hub.test:80")).toMatchObject({ path: "/" });
    expect(parseDnsEndpoint("ws+srv://_zmq._tcp.hub.test/x")).toMatchObject({ kind: "srv", path: "/x" });
  });

  it("passes every other endpoint through as static, for the socket to check", () => {
    for (const address of ["tcp://greeter:5701", "ipc:///tmp/x", "inproc://a", "ws://h:1/p", "wss://h:1/p", "tcp://[::1]:5"]) {
      expect(parseDnsEndpoint(address)).toEqual({ kind: "static", address });
      expect(isDnsEndpoint(address)).toBe(false);
    }
    expect(isDnsEndpoint("tcp+dns://a:1")).toBe(true);
    expect(isDnsEndpoint("tcp+srv://_a._tcp.b")).toBe(true);
  });

  it.each([
    ["tcp+dns://greeter", /port is missing/],
    ["tcp+dns://greeter:0", /port must be 1 to 65535/],
    ["tcp+dns://greeter:65536", /port must be 1 to 65535/],
    ["tcp+dns://greeter:5x", /port must be/],
    ["tcp+dns://:5701", /name is missing/],
    ["tcp+dns://gree ter:5701", /labels/],
    ["tcp+dns://-greeter:5701", /labels/],
    ["tcp+dns://a..b:5701", /labels/],
    [`tcp+dns://${"a".repeat(64)}.test:5701`, /labels/],
    [`tcp+dns://${"abcdefghi.".repeat(26)}x:5701`, /longer than 253/],
    ["tcp+dns://greeter:5701/path", /no path/],
    ["tcp+srv://_rpc._tcp.greeter:5701", /remove the :port/],
    ["wss+dns://greeter:443", /wss:\/\/ needs the name itself/],
    ["ipc+dns://greeter:1", /not supported/],
    ["tcp+dns:greeter:1", /write it as/],
  ])("rejects %s with EINVAL saying what is wrong", (address, why) => {
    expect(() => parseDnsEndpoint(address)).toThrow(why);
    expect(() => parseDnsEndpoint(address)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("formatEndpoint", () => {
  it("brackets IPv6 addresses and keeps the path", () => {
    expect(formatEndpoint("tcp", "10.0.0.7", 5701, "")).toBe("tcp://10.0.0.7:5701");
    expect(formatEndpoint("tcp", "fd00::7", 5701, "")).toBe("tcp://[fd00::7]:5701");
    expect(formatEndpoint("ws", "10.0.0.7", 80, "/zmq")).toBe("ws://10.0.0.7:80/zmq");
  });
});
