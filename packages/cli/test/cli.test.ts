import * as zmq from "zeromq";
import { expect, test } from "vitest";
import { z85Decode } from "@skein/core";
import { runSkein, startSkein, type Exit } from "./skein-process.js";

/** Starts `skein recv ... --bind` and resolves with its bound endpoint and its eventual exit. */
async function receiver(args: string[]): Promise<{ endpoint: string; done: Promise<Exit> }> {
  const receiving = startSkein(["recv", ...args]);
  const endpoint = (await receiving.match(/bound (\S+)/, "stderr"))[1]!;
  return { endpoint, done: receiving.exited };
}

test("skein send and skein recv move a multipart message between two processes", async () => {
  const { endpoint, done } = await receiver(["pull", "tcp://127.0.0.1:0", "--bind", "--count", "2"]);
  expect((await runSkein(["send", "push", endpoint, "hello", "world"])).code).toBe(0);
  expect((await runSkein(["send", "push", endpoint, "--", "--looks-like-an-option"])).code).toBe(0);
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
  const { stdout } = await runSkein(["send", "req", rep.lastEndpoint!, "ping", "--timeout", "5000"]);
  await serving;
  rep.close();
  expect(stdout).toBe("echo ping\n");
});

test("skein keygen prints a CURVE key pair in Z85", async () => {
  const { stdout } = await runSkein(["keygen"]);
  const [publicLine, secretLine] = stdout.trim().split("\n");
  expect(z85Decode(publicLine!.replace("public: ", "")).length).toBe(32);
  expect(z85Decode(secretLine!.replace("secret: ", "")).length).toBe(32);
});

test("a mistake in the command line prints the usage and exits with 2", async () => {
  const failure = await runSkein(["recv", "spaceship", "tcp://127.0.0.1:1"]);
  expect(failure.code).toBe(2);
  expect(failure.stderr).toContain('unknown socket type "spaceship"');
  expect(failure.stderr).toContain("usage: skein recv");
});

test("skein recv --timeout ends a wait for messages that never come with exit code 3", async () => {
  const { code, stderr } = await runSkein(["recv", "pull", "tcp://127.0.0.1:0", "--bind", "--timeout", "300"]);
  expect(code).toBe(3);
  expect(stderr).toContain("waiting for message 1");
});

test("skein recv --base64 prints each frame in base64", async () => {
  const { endpoint, done } = await receiver(["pull", "tcp://127.0.0.1:0", "--bind", "--count", "1", "--base64"]);
  const push = new zmq.Push({ linger: 0 });
  push.connect(endpoint);
  await push.send([Buffer.from([0, 255]), "hi"]);
  const { code, stdout } = await done;
  push.close();
  expect(code).toBe(0);
  expect(stdout).toBe("AP8= aGk=\n");
});
