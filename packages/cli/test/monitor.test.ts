import * as zmq from "zeromq";
import { afterEach, expect, test } from "vitest";
import { freeAddress } from "../../core/test/helpers.js";
import { runSkein, startSkein, type Running } from "./skein-process.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function track(running: Running): Running {
  cleanup.push(() => running.child.exitCode === null && running.child.kill("SIGKILL"));
  return running;
}

test("monitor --bind prints the bind, then accept and handshake when a peer connects; Ctrl-C ends it with 0", async () => {
  const monitoring = track(startSkein(["monitor", "--type", "pull", "--bind", "tcp://127.0.0.1:0"]));
  const endpoint = (await monitoring.match(/bound (tcp:\/\/\S+)/, "stderr"))[1]!;
  await monitoring.match(new RegExp(`^bind ${endpoint}$`, "m"));
  expect(monitoring.stdout()).not.toMatch(/handshake/);

  const push = new zmq.Push({ linger: 0 });
  cleanup.push(() => push.close());
  push.connect(endpoint);
  await monitoring.match(new RegExp(`^accept ${endpoint}$`, "m"));
  await monitoring.match(new RegExp(`^handshake ${endpoint}$`, "m"));

  monitoring.child.kill("SIGINT");
  expect((await monitoring.exited).code).toBe(0);
});

test("monitor of a connecting sub prints retries while nobody listens, then connect and handshake once a pub binds", async () => {
  const endpoint = await freeAddress("tcp");
  const monitoring = track(startSkein(["monitor", endpoint, "--type", "sub"]));
  await monitoring.match(new RegExp(`^connect:retry ${endpoint} retry in \\d+ ms$`, "m"));
  const pub = new zmq.Publisher({ linger: 0 });
  cleanup.push(() => pub.close());
  await pub.bind(endpoint);
  await monitoring.match(new RegExp(`^connect ${endpoint}$`, "m"));
  await monitoring.match(new RegExp(`^handshake ${endpoint}$`, "m"));
  monitoring.child.kill("SIGTERM");
  expect((await monitoring.exited).code).toBe(0);
});

test("monitor with a socket type the peer refuses prints the handshake error", async () => {
  const pub = new zmq.Publisher({ linger: 0 });
  cleanup.push(() => pub.close());
  await pub.bind("tcp://127.0.0.1:*");
  const monitoring = track(startSkein(["monitor", pub.lastEndpoint!, "--type", "push"]));
  await monitoring.match(/^handshake:error:protocol tcp:\/\/\S+ \S+ .+$/m);
  monitoring.child.kill("SIGTERM");
  expect((await monitoring.exited).code).toBe(0);
});

test("monitor --count ends after that many events with 0, --timeout before them with 3", async () => {
  const counted = await runSkein(["monitor", "--type", "pull", "--bind", "tcp://127.0.0.1:0", "--count", "1"]);
  expect(counted.code).toBe(0);
  expect(counted.stdout).toMatch(/^bind tcp:\/\/127\.0\.0\.1:\d+\n$/);
  const timedOut = await runSkein(["monitor", "--type", "pull", "--bind", "tcp://127.0.0.1:0", "--count", "2", "--timeout", "300"]);
  expect(timedOut.code).toBe(3);
});

test("monitor without --type is a usage error that says why the type matters", async () => {
  const { code, stderr } = await runSkein(["monitor", "tcp://127.0.0.1:1"]);
  expect(code).toBe(2);
  expect(stderr).toContain("--type is required");
});
