import { SpanKind } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorSystem, MemoryStorage } from "../../src/index.js";
import { otelSdk } from "../otel.js";

@Actor({ name: "Traced", idleTimeout: 0 })
class Traced extends ActorBase<{ n: number }> {
  state = { n: 0 };
  bump(): number {
    return ++this.state.n;
  }
  fail(): never {
    throw Object.assign(new Error("no"), { code: "NOPE" });
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("actor telemetry", () => {
  it("traces a call to another member as a CLIENT span and a child SERVER turn span, and counts turns by outcome", async () => {
    const sdk = otelSdk();
    cleanups.push(() => sdk.shutdown());
    const owner = new ActorSystem({ id: "owner", actors: [Traced], storage: new MemoryStorage(), bind: "tcp://127.0.0.1:0", telemetry: sdk.telemetry });
    await owner.start();
    cleanups.push(() => owner.close());
    const caller = new ActorSystem({ id: "caller", members: [owner.member], storage: new MemoryStorage(), telemetry: sdk.telemetry });
    await caller.start();
    cleanups.push(() => caller.close());
    await owner.setMembers([owner.member]);

    expect(await caller.ref(Traced, "x").bump()).toBe(1);
    await expect(caller.ref(Traced, "x").fail()).rejects.toMatchObject({ code: "ACTOR_HANDLER_FAILED", remoteCode: "NOPE" });

    const [client] = sdk.spans("actor Traced.bump", SpanKind.CLIENT);
    const [server] = sdk.spans("actor Traced.bump", SpanKind.SERVER);
    expect(client).toBeDefined();
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(client!.spanContext().traceId);
    expect(server!.parentSpanContext?.spanId).toBe(client!.spanContext().spanId);
    expect(server!.attributes).toMatchObject({ "rpc.service": "Traced", "rpc.method": "bump", "skein.actor.key": "x" });
    expect(await sdk.sum("skein.actor.turns", { "skein.actor.type": "Traced", outcome: "ok" })).toBe(1);
    expect(await sdk.sum("skein.actor.turns", { "skein.actor.type": "Traced", outcome: "error" })).toBe(1);
    expect(await sdk.sum("skein.actor.restarts", { "skein.actor.type": "Traced" })).toBe(1);
  });
});
