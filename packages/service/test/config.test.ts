import { describe, expect, test } from "vitest";
import { applyEnvironment, envName } from "../src/config.js";

const none = { queues: [], workers: [], clients: [] };

describe("endpoint configuration with environment overrides", () => {
  test("names become environment variable names", () => {
    expect(envName("orders.process")).toBe("ORDERS_PROCESS");
    expect(envName("example.Greeter")).toBe("EXAMPLE_GREETER");
  });

  test("without variables the configuration is kept", () => {
    const endpoints = { rpc: { bind: ["tcp://127.0.0.1:5555"] }, clients: { "example.Greeter": ["tcp://a:1"] } };
    expect(applyEnvironment(endpoints, {}, none)).toMatchObject(endpoints);
  });

  test("a variable replaces the configured list, split on commas", () => {
    const result = applyEnvironment(
      { rpc: { bind: ["tcp://127.0.0.1:5555"], connect: ["tcp://broker:1"] } },
      { SKEIN_RPC_BIND: "tcp://0.0.0.0:6000, tcp://0.0.0.0:6001" },
      none,
    );
    expect(result.rpc).toEqual({ bind: ["tcp://0.0.0.0:6000", "tcp://0.0.0.0:6001"], connect: ["tcp://broker:1"] });
  });

  test("queues, workers and clients known only by name are configured from the environment", () => {
    const result = applyEnvironment({}, {
      SKEIN_QUEUE_ORDERS_PROCESS_BIND: "tcp://*:7000",
      SKEIN_WORKER_ORDERS_PROCESS_CONNECT: "tcp://orders:7000",
      SKEIN_CLIENT_EXAMPLE_GREETER: "tcp://g1:5555,tcp://g2:5555",
      SKEIN_EVENTS_BIND: "tcp://*:7001",
      SKEIN_SUBSCRIBE_CONNECT: "tcp://orders:7001",
    }, { queues: ["orders.process"], workers: ["orders.process"], clients: ["example.Greeter"] });
    expect(result.queues?.["orders.process"]).toEqual({ bind: ["tcp://*:7000"] });
    expect(result.workers?.["orders.process"]).toEqual({ connect: ["tcp://orders:7000"] });
    expect(result.clients?.["example.Greeter"]).toEqual(["tcp://g1:5555", "tcp://g2:5555"]);
    expect(result.events).toEqual({ bind: ["tcp://*:7001"] });
    expect(result.subscribe).toEqual({ connect: ["tcp://orders:7001"] });
  });

  test("a custom prefix is honoured and empty values are ignored", () => {
    const result = applyEnvironment({ rpc: { bind: ["tcp://127.0.0.1:1"] } }, { APP_RPC_BIND: "tcp://127.0.0.1:2", SKEIN_RPC_BIND: "tcp://x:3", APP_EVENTS_BIND: " " }, none, "APP_");
    expect(result.rpc).toEqual({ bind: ["tcp://127.0.0.1:2"] });
    expect(result.events).toBeUndefined();
  });
});
