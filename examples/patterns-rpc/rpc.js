// Reliable request-reply with @skein/patterns:
// 1. RpcClient fails over from a server that never answers to one that does.
// 2. A Broker serves two services to one client per service; workers announce readiness.
import { Broker, BrokerWorker, RpcClient, RpcServer } from "@skein/patterns";

const ANY = "tcp://127.0.0.1:0";

// --- 1. fail-over ---------------------------------------------------------
const hung = new RpcServer({ bind: [ANY] });
await hung.serve((_frames, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve([]))));
const good = new RpcServer({ bind: [ANY] });
await good.serve(([name]) => [Buffer.from(`hello ${name}`)]);

const client = new RpcClient({ endpoints: [...hung.endpoints, ...good.endpoints], timeout: 300, retries: 2, backoff: { initial: 50, max: 1000 } });
const [greeting] = await client.request([Buffer.from("ada")]);
console.log(`fail-over: got "${greeting}" after the first server timed out`);
await client.close();
await hung.close(0);
await good.close();

// --- 2. broker with services -------------------------------------------------
const broker = new Broker({ frontend: [ANY], backend: [ANY], heartbeatInterval: 250 });
await broker.start();
const echo = new BrokerWorker({ connect: broker.backendEndpoints, service: "echo", heartbeatInterval: 250 });
await echo.serve((frames) => frames);
const upper = new BrokerWorker({ connect: broker.backendEndpoints, service: "upper", concurrency: 4, heartbeatInterval: 250 });
await upper.serve(([text]) => [Buffer.from(text.toString().toUpperCase())]);

const echoClient = new RpcClient({ endpoints: broker.frontendEndpoints, service: "echo" });
const upperClient = new RpcClient({ endpoints: broker.frontendEndpoints, service: "upper" });
const [e] = await echoClient.request([Buffer.from("ping")]);
const shouted = await Promise.all(["a", "b", "c"].map(async (s) => (await upperClient.request([Buffer.from(s)]))[0].toString()));
console.log(`broker: echo -> ${e}, upper -> ${shouted.join(",")}`);

await echoClient.close();
await upperClient.close();
await echo.close();
await upper.close();
await broker.close();
console.log("rpc example finished");
