/**
 * `skein health`: an exec probe (Kubernetes `exec`, Docker `HEALTHCHECK`) of
 * a `@skein/service` app: asks its `skein.Health/Ping` and exits 0 when the
 * app is ready (`SERVING`), or with `--live` when it answers at all and is
 * not `UNHEALTHY`; 1 otherwise, unreachable and out of time included (a
 * probe knows only pass and fail).
 */
import { integerOption, parseArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-code.js";
import type { Command } from "./command.js";

const DEFAULT_TIMEOUT = 2_000;

export const health: Command = {
  name: "health",
  summary: "probe a @skein/service app: exit 0 if it is ready (--live: alive), 1 if not",
  usage: `usage: skein health <endpoint> [--live] [--timeout MS]
  Calls skein.Health/Ping at the app's RPC endpoint and prints its status, app name, uptime and calls
  in flight. Exits 0 when the app is ready (status SERVING: started, not draining); with --live, when
  it answers and is not UNHEALTHY (STARTING, NOT_SERVING and STOPPING are alive). Exits 1 otherwise:
  not ready, unhealthy, nothing answering, or --timeout ran out. For a Kubernetes exec probe:
  command: ["skein", "health", "tcp://127.0.0.1:5701"]
  --live            liveness instead of readiness
  --timeout MS      give up after MS milliseconds (default ${DEFAULT_TIMEOUT}); keep it below the probe's timeoutSeconds
example:
  skein health tcp://127.0.0.1:5701 && echo ready`,

  async run(argv, io) {
    const args = parseArgs(argv, ["timeout"], ["live"]);
    const [endpoint, extra] = args.positionals;
    if (endpoint === undefined) throw new UsageError("an endpoint is required (the app's RPC endpoint)");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const timeout = integerOption(args, "timeout", DEFAULT_TIMEOUT);
    const live = args.flags.has("live");
    const { connect, HealthService } = await import("@skein/service");
    const connection = connect(HealthService, { endpoints: [endpoint], timeout: Math.max(1, timeout) });
    try {
      const pong = await connection.client.ping({}, { timeout: Math.max(1, timeout) });
      const pass = live ? pong.status !== "UNHEALTHY" : pong.status === "SERVING";
      const line = `${pong.status} ${pong.app} up ${pong.uptimeMs} ms, ${pong.inFlight} in flight`;
      if (pass) io.out(line);
      else io.err(`${line}: not ${live ? "live" : "ready"}`);
      return pass ? ExitCode.OK : ExitCode.ERROR;
    } catch (error) {
      io.err(`no answer from ${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
      return ExitCode.ERROR;
    } finally {
      await connection.close();
    }
  },
};
