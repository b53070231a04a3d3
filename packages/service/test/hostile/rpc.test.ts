/**
 * A service app against a hostile client on its RPC endpoint: frames that
 * are no envelope, envelopes cut short, a megabyte of garbage, requests
 * without a correlation frame, header and payload strings of invalid UTF-8,
 * cut inside or filling the header limit, and a flood of garbage it never reads the
 * answers to. The app keeps running, answers garbage with an error (counted
 * in `skein.rpc.server.errors`) or drops it (reported to `onError`), a good
 * client's calls all succeed, and memory comes back.
 */
import "reflect-metadata";
import { GreeterService } from "../generated/index.js";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { encodeEnvelope } from "@skein/codec";
import { connect, createApp } from "../../src/index.js";
import { describeFootprint, footprint } from "../../../core/test/hostile/measure.js";
import { uniqueIpcPath } from "../../../core/test/helpers.js";
import { hostilePeer, u64 } from "../../../patterns/test/hostile/raw-peer.js";
import { GREETING, Greeter, HOOKS, LOOPBACK, until, within } from "../fixtures.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const HEAP_BOUND = 8 * 1024 * 1024;

describe.each([["tcp", () => LOOPBACK], ["ipc", () => `ipc://${uniqueIpcPath()}`]])("a service app over %s against a hostile client", (_, address) => {
  test("answers or drops garbage, counts it, and serves a good client in full", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    cleanup.push(() => meterProvider.shutdown());
    const container = new Container();
    container.bind(GREETING).toConstantValue("Hello");
    container.bind(HOOKS).toConstantValue({});
    const reported: unknown[] = [];
    const app = createApp({
      name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [address()] } }, env: false,
      telemetry: { meterProvider }, onError: (error) => reported.push(error),
    });
    await app.start();
    cleanup.push(() => app.stop(1_000));
    const good = connect(GreeterService, { endpoints: app.endpoints.rpc, timeout: 10_000 });
    cleanup.push(() => good.close());
    expect((await good.client.sayHello({ name: "warm-up" })).message).toBe("Hello, warm-up!");
    const before = await footprint();

    const peer = await hostilePeer(app.endpoints.rpc[0]!, "DEALER");
    peer.stopReading();
    const garbage: Buffer[][] = [];
    for (let i = 0; i < 2_000; i++) {
      garbage.push([u64(i), Buffer.from("not an envelope")]);
      garbage.push([u64(i)]); // no envelope at all
      garbage.push([Buffer.alloc(3), Buffer.from("short correlation")]);
    }
    garbage.push([u64(1), Buffer.alloc(1024 * 1024, 0xab)]);
    // Strings the header and payload readers must refuse or bound (codec's FlatStringReader): the
    // service name's bytes made invalid UTF-8, a header cut inside a string, a method name filling
    // the header limit, a payload string of invalid UTF-8 and one whose length runs past its frame.
    const [header, payload] = encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "c", payload: [Buffer.from([0x0a, 1, 0x41])] });
    const at = header!.indexOf("example.Greeter");
    const badName = Buffer.from(header!);
    badName.fill(0xff, at, at + "example.Greeter".length);
    const [longHeader] = encodeEnvelope({ kind: "request", service: "example.Greeter", method: "M".repeat(16_000), correlationId: "c", payload: [] });
    for (let i = 0; i < 300; i++) {
      garbage.push([u64(10_000 + i), badName, payload!]);
      garbage.push([u64(20_000 + i), header!.subarray(0, at + 4), payload!]);
      garbage.push([u64(30_000 + i), longHeader!, payload!]);
      garbage.push([u64(40_000 + i), header!, Buffer.from([0x0a, 3, 0xff, 0xfe, 0x80])]);
      garbage.push([u64(50_000 + i), header!, Buffer.from([0x0a, 0x7f, 0x41, 0x42])]);
    }
    peer.sendMany(garbage);
    await until(() => reported.length >= 2_000, "the requests without a correlation frame to be reported", 15_000);
    const replies = await within(Promise.all(Array.from({ length: 50 }, (_, i) => good.client.sayHello({ name: `n${i}` }))), 15_000, "the good calls");
    expect(replies.map((reply) => reply.message)).toEqual(Array.from({ length: 50 }, (_, i) => `Hello, n${i}!`));
    expect(app.state).toBe("running");

    await reader.forceFlush();
    const errors = exporter.getMetrics().flatMap((m) => m.scopeMetrics).flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === "skein.rpc.server.errors")
      .flatMap((m) => m.dataPoints as { value: unknown }[]).reduce((sum, point) => sum + Number(point.value), 0);
    expect(errors).toBeGreaterThanOrEqual(4_000);

    await peer.destroy();
    const after = await footprint();
    console.log(`service app vs hostile client: ${describeFootprint(before, after)}, ${errors} garbage requests answered with an error, ${reported.length} dropped`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });
});
