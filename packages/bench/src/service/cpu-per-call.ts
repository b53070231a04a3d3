/**
 * CPU time per call on each side of a service framework's greeter, the
 * figure that moves least with the load of a shared machine: the server
 * runs in a child process, the client here; both read `process.cpuUsage()`
 * before and after a fixed number of calls (after a warm-up), so the
 * figure is user + system CPU µs per call, client and server apart. Also
 * prints the wall-clock p50 per call and calls/s of the same run.
 *
 * Not part of the runner's table (it reports rates and latencies); run it
 * after `pnpm build`, from the repository root:
 * `node packages/bench/dist/service/cpu-per-call.js [impl] [inFlight] [calls] [rounds]`
 * (defaults: skein 64 20000 3). Prints one line per round. `impl` may also be
 * one of the layers under the service (`core-req-rep`, `core-dealer-router`,
 * `rpc-client-server`, see layer-greeters.ts), to see what each layer adds.
 * Node flags (`node --cpu-prof --cpu-prof-dir=<dir> ...`) go to the server
 * process too: one profile per side.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServiceImpl } from "./contract.js";
import { connectGreeter, serveGreeter } from "./greeters.js";
import { connectLayer, LAYERS, serveLayer, type LayerImpl } from "./layer-greeters.js";

type Impl = ServiceImpl | LayerImpl;

function isLayer(impl: Impl): impl is LayerImpl {
  return (LAYERS as readonly string[]).includes(impl);
}

interface CpuReply {
  readonly user: number;
  readonly system: number;
}

const WARMUP_CALLS = Number(process.env.WARMUP_CALLS ?? 2_000);

async function serverSide(impl: Impl): Promise<void> {
  const server = isLayer(impl) ? await serveLayer(impl) : await serveGreeter(impl);
  process.send!({ kind: "ready", endpoint: server.endpoint });
  process.on("message", (message: { kind: string }) => {
    if (message.kind === "cpu") {
      const { user, system } = process.cpuUsage();
      process.send!({ kind: "cpu", user, system });
    } else if (message.kind === "stop") {
      void server.close().then(() => process.exit(0));
    }
  });
}

function nextMessage<T>(child: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { kind: string } & T): void => {
      if (message.kind !== kind) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => reject(new Error(`server exited with ${code} before "${kind}"`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

async function serverCpu(child: ChildProcess): Promise<number> {
  const reply = nextMessage<CpuReply>(child, "cpu");
  child.send({ kind: "cpu" });
  const { user, system } = await reply;
  return user + system;
}

async function clientSide(impl: Impl, inFlight: number, calls: number, rounds: number): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["--server", impl], { stdio: "inherit", execArgv: process.execArgv });
  try {
    const { endpoint } = await nextMessage<{ endpoint: string }>(child, "ready");
    const client = isLayer(impl) ? await connectLayer(impl, endpoint) : await connectGreeter(impl, endpoint);
    const run = async (count: number, samples: number[] | null): Promise<void> => {
      let next = 0;
      const loop = async (): Promise<void> => {
        while (next++ < count) {
          const t0 = performance.now();
          await client.sayHello("bench");
          samples?.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, loop));
    };
    await run(WARMUP_CALLS, null);
    for (let round = 1; round <= rounds; round++) {
      const samples: number[] = [];
      const serverBefore = await serverCpu(child);
      const before = process.cpuUsage();
      const started = performance.now();
      await run(calls, samples);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(before);
      const serverUsed = (await serverCpu(child)) - serverBefore;
      samples.sort((a, b) => a - b);
      const p50 = samples[Math.floor(samples.length / 2)]! * 1000;
      const line = [
        `${impl} x${inFlight} round ${round}:`,
        `client ${((used.user + used.system) / calls).toFixed(1)} µs/call,`,
        `server ${(serverUsed / calls).toFixed(1)} µs/call,`,
        `${Math.round(calls / seconds)} calls/s, p50 ${p50.toFixed(0)} µs`,
      ];
      console.log(line.join(" "));
    }
    await client.close();
  } finally {
    child.send({ kind: "stop" });
  }
}

const args = process.argv.slice(2);
if (args[0] === "--server") {
  await serverSide(args[1] as Impl);
} else {
  await clientSide((args[0] ?? "skein") as Impl, Number(args[1] ?? 64), Number(args[2] ?? 20_000), Number(args[3] ?? 3));
}
