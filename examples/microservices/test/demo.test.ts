import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const start = fileURLToPath(new URL("../dist/start.js", import.meta.url));

function run(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [start], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("the microservice template", () => {
  test("one command starts three service processes and two processes of actor threads, runs the client and stops everything cleanly", async () => {
    expect(existsSync(start), "examples/microservices/dist/start.js is missing: run `pnpm build` first").toBe(true);
    const { code, output } = await run();
    expect(output).toContain('[client] SayHello -> "Hello, Ada!"');
    expect(output).toContain('[client] SayHelloStream -> "Hello #1, Grace", "Hello #2, Grace", "Hello #3, Grace"');
    expect(output).toContain("[client] SayHello with no name -> error INVALID_ARGUMENT: name is required");
    expect(output).toMatch(/\[client\] PlaceOrder -> order-1, total 1150 cents, status PLACED/);
    expect(output).toContain('[client] event orders.placed -> order-1 for ada, 1150 EUR (note: "Hello, ada! (asked by orders)")');
    expect(output).toContain("[client] event orders.processed -> order-1 processed by a worker (2 lines, attempt 1)");
    // The account actors: state kept per customer across calls, 20 concurrent orders with no lost update,
    // spread over two processes of two threads by the hash ring of the static member list.
    expect(output).toContain("[client] account ada -> 1 order(s), 1150 cents (actor CustomerAccount/ada on accounts-");
    expect(output).toContain("[client] account grace -> 20 order(s), 3000 cents after 20 concurrent PlaceOrder calls (actor on accounts-");
    expect(output).toMatch(/\[accounts-1\] ready: actor members accounts-1\/0 tcp:\/\/127\.0\.0\.1:\d+, accounts-1\/1 tcp:/);
    expect(output).toMatch(/\[client\] health orders -> SERVING, serves example\.Orders\(PlaceOrder\) skein\.Health\(Ping,Describe\)/);
    for (const service of ["greeter", "orders", "worker", "accounts-1", "accounts-2"]) expect(output).toContain(`[${service}] stopped`);
    expect(output).toContain("[start] demo finished: all services stopped cleanly");
    expect(code).toBe(0);
  }, 120_000);
});
