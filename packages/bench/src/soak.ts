/**
 * `pnpm soak`: mixed traffic between separate processes for 10 minutes (or
 * `--minutes`): PAIR, PUB/SUB, XPUB/XSUB, REQ/REP with CURVE, DEALER/ROUTER
 * over ws://, PUSH/PULL, STREAM with a raw TCP peer; the connecting peer of
 * one pair after another is SIGKILLed and restarted. Prints a table and a JSON
 * summary (line starting `SOAK-SUMMARY `); exits 1 if a peer failed, a
 * direction carried nothing, or a message was duplicated.
 */
import { writeFileSync } from "node:fs";
import { runSoak } from "./soak/driver.js";
import { parseSoakOptions, SOAK_USAGE } from "./soak/options.js";
import { soakTable, verdict } from "./soak/report.js";

async function main(): Promise<number> {
  const options = parseSoakOptions(process.argv.slice(2));
  if (options.help) {
    console.log(SOAK_USAGE);
    return 0;
  }
  const result = await runSoak(options, (line) => console.log(line));
  const failures = verdict(result);
  console.log(soakTable(result));
  const summary = JSON.stringify({ ...result, failures });
  console.log(`SOAK-SUMMARY ${summary}`);
  if (options.json !== "") writeFileSync(options.json, summary + "\n");
  for (const failure of failures) console.error(`soak: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error && error.name === "Error" ? error.message : error);
    if ((error as { code?: string }).code === "BENCH_USAGE") console.error(SOAK_USAGE);
    process.exitCode = 1;
  },
);
