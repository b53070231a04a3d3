import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { nextEvent, socketScope, strings, uniqueIpcPath, within } from "../helpers.js";

const open = socketScope();

/** Leaves a socket file behind the way a crashed process does: listen, then SIGKILL. */
async function staleSocketFile(file: string): Promise<void> {
  const child = spawn(process.execPath, [
    "-e",
    `require("net").createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, "SIGKILL"))`,
  ]);
  await new Promise((resolve) => child.on("exit", resolve));
}

describe("ipc transport", () => {
  it("removes a stale socket file left by a dead process and binds", async () => {
    const file = uniqueIpcPath();
    await staleSocketFile(file);
    expect(fs.existsSync(file)).toBe(true);
    const pull = open(new Pull());
    await pull.bind(`ipc://${file}`);
    const push = open(new Push());
    push.connect(`ipc://${file}`);
    await push.send("over a reclaimed path");
    expect(strings(await within(pull.receive()))).toEqual(["over a reclaimed path"]);
  });

  it("refuses a path with a live listener with EADDRINUSE", async () => {
    const address = `ipc://${uniqueIpcPath()}`;
    const first = open(new Pull());
    await first.bind(address);
    await expect(open(new Pull()).bind(address)).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("removes its socket file on unbind and on close", async () => {
    const file = uniqueIpcPath();
    const pull = open(new Pull());
    await pull.bind(`ipc://${file}`);
    expect(fs.existsSync(file)).toBe(true);
    await pull.unbind(`ipc://${file}`);
    expect(fs.existsSync(file)).toBe(false);
    await pull.bind(`ipc://${file}`);
    pull.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("binds an abstract socket for ipc://@name, with no file", async () => {
    const name = `skein-abstract-${process.pid}-${Date.now()}`;
    const pull = open(new Pull());
    await pull.bind(`ipc://@${name}`);
    expect(pull.lastEndpoint).toBe(`ipc://@${name}`);
    expect(fs.existsSync(`@${name}`)).toBe(false);
    const push = open(new Push());
    push.connect(`ipc://@${name}`);
    await push.send("abstract");
    expect(strings(await within(pull.receive()))).toEqual(["abstract"]);
  });

  it("makes a fresh path for ipc://*", async () => {
    const pull = open(new Pull());
    await pull.bind("ipc://*");
    const address = pull.lastEndpoint!;
    expect(address).toMatch(/^ipc:\/\/\/.+/);
    const push = open(new Push());
    const connected = nextEvent(push, "handshake");
    push.connect(address);
    await connected;
  });

  it("refuses a path too long for a Unix socket with ENAMETOOLONG, on bind and connect", async () => {
    const address = `ipc:///tmp/${"x".repeat(200)}`;
    await expect(open(new Pull()).bind(address)).rejects.toMatchObject({ code: "ENAMETOOLONG", errno: 36, address });
    expect(() => open(new Push()).connect(address)).toThrow(expect.objectContaining({ code: "ENAMETOOLONG" }));
    expect(fs.readdirSync("/tmp").some((name) => name.startsWith("x".repeat(50)))).toBe(false);
  });

  it("accepts the longest path that fits", async () => {
    const dir = os.tmpdir();
    const file = path.join(dir, "y".repeat(107 - dir.length - 1));
    const pull = open(new Pull());
    await pull.bind(`ipc://${file}`);
    expect(fs.existsSync(file)).toBe(true);
    pull.close();
  });
});

