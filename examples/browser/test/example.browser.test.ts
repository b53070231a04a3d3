/**
 * The example, as a user runs it: serve.mjs starts the microservices
 * template with ws:// endpoints and serves the page; Chromium opens it,
 * calls the greeter (unary and streaming), places an order, and sees the
 * template's `orders.placed` and `orders.processed` events: typed
 * @skein/service clients and @Subscribe handlers in a page, straight to the
 * services over ws://, no gateway.
 *
 * Run by .ci/suites/browser.sh (it installs Debian's chromium), not by `pnpm test`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type Chromium } from "./chromium.js";

const SERVE = fileURLToPath(new URL("../serve.mjs", import.meta.url));

let server: ChildProcess;
let output = "";
let chromium: Chromium;
let page: Page;

/** Resolves with the page's URL once serve.mjs prints it; rejects if it exits first. */
function started(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += String(chunk);
      const match = /open (http:\/\/\S+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`serve.mjs exited with ${code} before serving:\n${output}`)));
  });
}

beforeAll(async () => {
  server = spawn(process.execPath, [SERVE, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await started(server);
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => {
    throw error;
  });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("status")!.textContent !== "connecting", undefined, { timeout: 20_000 });
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
});

function items(list: string): Promise<string[]> {
  return page.$$eval(`#${list} li`, (elements) => elements.map((element) => element.textContent ?? ""));
}

describe("examples/browser", () => {
  it("connects the page to the template's services", async () => {
    expect(await page.textContent("#status")).toBe("connected");
  });

  it("calls the greeter from the page, unary and streaming", async () => {
    await page.fill("#name", "Ada");
    await page.click("#hello");
    await page.waitForFunction(() => document.querySelectorAll("#replies li").length >= 4, undefined, { timeout: 10_000 });
    expect(await items("replies")).toEqual([
      "SayHello -> Hello, Ada!",
      "SayHelloStream -> Hello #1, Ada",
      "SayHelloStream -> Hello #2, Ada",
      "SayHelloStream -> Hello #3, Ada",
    ]);
  });

  it("places an order and receives the template's orders.placed and orders.processed events", async () => {
    await page.click("#order");
    await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 2, undefined, { timeout: 15_000 });
    expect((await items("replies")).at(-1)).toMatch(/^PlaceOrder -> order-\d+, total 700 cents$/);
    const events = await items("events");
    expect(events).toHaveLength(2);
    expect(events.filter((line) => /^orders\.placed order-\d+ for browser: 700 EUR$/.test(line))).toHaveLength(1);
    expect(events.filter((line) => /^orders\.processed order-\d+ \(attempt 1\)$/.test(line))).toHaveLength(1);
  });
});
