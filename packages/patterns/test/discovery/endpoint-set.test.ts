import { describe, expect, it } from "vitest";
import { diffEndpoints, EndpointSet, type EndpointChange, PatternError, RpcClient, Worker } from "../../src/index.js";
import { boundAnswer } from "../../src/discovery/endpoint-set.js";
import { Collector, within } from "../helpers.js";

describe("diffEndpoints", () => {
  it("adds what is new, removes what is gone, and leaves the rest alone", () => {
    expect(diffEndpoints(["tcp://a:1", "tcp://b:1"], ["tcp://b:1", "tcp://c:1"])).toEqual({ added: ["tcp://c:1"], removed: ["tcp://a:1"] });
    expect(diffEndpoints([], ["tcp://a:1"])).toEqual({ added: ["tcp://a:1"], removed: [] });
    expect(diffEndpoints(["tcp://a:1"], [])).toEqual({ added: [], removed: ["tcp://a:1"] });
    expect(diffEndpoints(["tcp://a:1", "tcp://b:1"], ["tcp://b:1", "tcp://a:1"])).toEqual({ added: [], removed: [] });
  });

  it("counts an endpoint named twice (two names, one address) once", () => {
    expect(diffEndpoints([], ["tcp://a:1", "tcp://a:1"])).toEqual({ added: ["tcp://a:1"], removed: [] });
  });
});

describe("boundAnswer", () => {
  it("keeps at most max endpoints, those in use first, then the answer's order", () => {
    const answer = ["tcp://a:1", "tcp://b:1", "tcp://c:1", "tcp://d:1"];
    expect(boundAnswer(answer, new Set(), 2)).toEqual({ kept: ["tcp://a:1", "tcp://b:1"], dropped: 2 });
    expect(boundAnswer(answer, new Set(["tcp://d:1"]), 2)).toEqual({ kept: ["tcp://d:1", "tcp://a:1"], dropped: 2 });
    expect(boundAnswer(answer, new Set(), 4)).toEqual({ kept: answer, dropped: 0 });
  });
});

describe("EndpointSet", () => {
  it("adds static endpoints before start() returns and never resolves them", async () => {
    const changes: EndpointChange[] = [];
    const set = new EndpointSet(["tcp://127.0.0.1:1", "ipc:///tmp/x"], { onChange: (change) => changes.push(change) });
    const started = set.start();
    expect(changes).toEqual([{ added: ["tcp://127.0.0.1:1", "ipc:///tmp/x"], removed: [] }]);
    await started;
    expect(set.dynamic).toBe(false);
    expect(set.stats.resolutions).toBe(0);
    set.close();
  });

  it("resolves a name through the system resolver (/etc/hosts): localhost is every loopback address it has", async () => {
    const changes = new Collector<EndpointChange>();
    const set = new EndpointSet(["tcp+dns://localhost:5701"], { onChange: changes.push });
    await set.start();
    expect(set.resolved).toBe(true);
    expect(set.endpoints).toContain("tcp://127.0.0.1:5701");
    expect(set.endpoints.every((endpoint) => ["tcp://127.0.0.1:5701", "tcp://[::1]:5701"].includes(endpoint))).toBe(true);
    set.close();
  });

  it("reports a name that cannot be resolved (no DNS server answers) as ENAMERESOLUTION and keeps trying", async () => {
    const errors = new Collector<PatternError>();
    // Port 9 (discard) on loopback: nothing answers, so each query times out.
    const set = new EndpointSet(["tcp+dns://nothing.test:1"], {
      servers: ["127.0.0.1:9"], queryTimeout: 50, queryTries: 1, refreshInterval: 1000, minRefreshInterval: 10,
      onChange: () => undefined, onError: errors.push,
    });
    await set.start();
    await within(errors.waitFor(2), 10_000, "a second failed resolution (retried sooner than refreshInterval)");
    expect(errors.items[0]).toMatchObject({ code: "ENAMERESOLUTION" });
    expect(set.endpoints).toEqual([]);
    set.close();
  });

  it("rejects malformed names and options with EINVAL up front", () => {
    expect(() => new EndpointSet(["tcp+dns://x"], { onChange: () => undefined })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new EndpointSet([], { maxAddresses: 0, onChange: () => undefined })).toThrow(/maxAddresses/);
    expect(() => new RpcClient({ endpoints: ["tcp+dns://x:0"] })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new RpcClient({ endpoints: ["tcp://127.0.0.1:1"], resolve: { refreshInterval: 0 } })).toThrow(/refreshInterval/);
  });

  it("refuses a name in a bind list", async () => {
    const worker = new Worker({ bind: ["tcp+dns://localhost:5701"], queue: "q" });
    await expect(worker.process(async () => undefined)).rejects.toMatchObject({ code: "EINVAL", message: /connecting side/ });
    await worker.close(0);
  });
});
