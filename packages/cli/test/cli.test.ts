import { spawn, execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as zmq from "zeromq";
import { expect, test } from "vitest";
import { z85Decode } from "@skein/core";

const run = promisify(execFile);
const skein = fileURLToPath(new URL("../bin/skein.js", import.meta.url));

/** Starts `skein recv ... --bind` and resolves with its bound endpoint and its eventual output. */
function receiver(args: string[]): Promise<{ endpoint: string; done: Promise<{ code: number | null; stdout: string }> }> {
  const child = spawn(process.execPath, [skein, "recv", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => child.on("exit", (code) => resolve({ code, stdout })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no endpoint from skein recv: ${stderr}`));
    }, 10_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /bound (\S+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ endpoint: match[1]!, done });
      }
    });
  });
}

test("skein send and skein recv move a multipart message between two processes", async () => {
  const { endpoint, done } = await receiver(["pull", "tcp://127.0.0.1:0", "--bind", "--count", "2"]);
  await run(process.execPath, [skein, "send", "push", endpoint, "hello", "world"]);
  await run(process.execPath, [skein, "send", "push", endpoint, "--", "--looks-like-an-option"]);
  const { code, stdout } = await done;
  expect(code).toBe(0);
  expect(stdout).toBe("hello world\n--looks-like-an-option\n");
});

test("skein recv prints what a libzmq peer sends, binary frames in hex", async () => {
  const { endpoint, done } = await receiver(["sub", "tcp://127.0.0.1:0", "--bind", "--subscribe", "news", "--count", "1"]);
  const pub = new zmq.Publisher({ linger: 0 });
  pub.connect(endpoint);
  // The slow joiner: publish until the receiver got one (it exits after --count 1).
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await pub.send(["sport", "not this"]);
    await pub.send(["news", Buffer.from([0, 1, 2])]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  pub.close();
  expect((await done).stdout).toBe("news 0x000102\n");
});

test("skein send as REQ prints the reply of a libzmq REP", async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  const serving = (async () => {
    const [question] = await rep.receive();
    await rep.send(`echo ${String(question)}`);
  })();
  const { stdout } = await run(process.execPath, [skein, "send", "req", rep.lastEndpoint!, "ping", "--timeout", "5000"]);
  await serving;
  rep.close();
  expect(stdout).toBe("echo ping\n");
});

test("skein keygen prints a CURVE key pair in Z85", async () => {
  const { stdout } = await run(process.execPath, [skein, "keygen"]);
  const [publicLine, secretLine] = stdout.trim().split("\n");
  expect(z85Decode(publicLine!.replace("public: ", "")).length).toBe(32);
  expect(z85Decode(secretLine!.replace("secret: ", "")).length).toBe(32);
});

test("a mistake in the command line prints the usage and exits with 2", async () => {
  const failure = await run(process.execPath, [skein, "recv", "spaceship", "tcp://127.0.0.1:1"]).catch((error: { code: number; stderr: string }) => error);
  expect((failure as { code: number }).code).toBe(2);
  expect((failure as { stderr: string }).stderr).toContain('unknown socket type "spaceship"');
  expect((failure as { stderr: string }).stderr).toContain("usage:");
});
