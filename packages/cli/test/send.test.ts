import net from "node:net";
import * as zmq from "zeromq";
import { afterEach, expect, test } from "vitest";
import { freeAddress, rawGreeting, rawReady, within } from "../../core/test/helpers.js";
import { runSkein, startSkein } from "./skein-process.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function libzmqPull(): Promise<zmq.Pull> {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  cleanup.push(() => pull.close());
  return pull;
}

test("send --hex sends each argument as the binary frame it spells", async () => {
  const pull = await libzmqPull();
  const sent = runSkein(["send", "push", pull.lastEndpoint!, "--hex", "00ff10", "0x68656c6c6f", ""]);
  const message = await pull.receive();
  expect(message.map((frame) => frame.toString("hex"))).toEqual(["00ff10", "68656c6c6f", ""]);
  expect((await sent).code).toBe(0);
});

test("send --base64 sends each argument as the binary frame it spells", async () => {
  const pull = await libzmqPull();
  const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
  const sent = runSkein(["send", "push", pull.lastEndpoint!, "--base64", bytes.toString("base64"), "aGk="]);
  const [first, second] = await pull.receive();
  expect(first).toEqual(bytes);
  expect(String(second)).toBe("hi");
  expect((await sent).code).toBe(0);
});

test("send --hex refuses a frame that is not hex, with the usage and exit code 2", async () => {
  const { code, stderr } = await runSkein(["send", "push", "tcp://127.0.0.1:1", "--hex", "00", "0g"]);
  expect(code).toBe(2);
  expect(stderr).toContain('frame 2 is not hex');
  expect(stderr).toContain("usage: skein send");
});

test("--timeout ends a push to nobody with exit code 3 instead of lingering forever", async () => {
  const { code, stderr } = await runSkein(["send", "push", await freeAddress("tcp"), "--timeout", "500", "x"]);
  expect(code).toBe(3);
  expect(stderr).toMatch(/timed out after 500 ms \(--timeout\) waiting for a peer/);
});

test("--timeout ends a req to nobody with exit code 3 instead of hanging after the timeout", async () => {
  const { code, stderr } = await runSkein(["send", "req", await freeAddress("tcp"), "--timeout", "500", "ping"]);
  expect(code).toBe(3);
  expect(stderr).toContain("timed out after 500 ms");
});

test("--timeout ends a req whose peer connected but never replies with exit code 3", async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  cleanup.push(() => rep.close());
  const asked = rep.receive();
  const sent = runSkein(["send", "req", rep.lastEndpoint!, "--timeout", "1000", "ping"]);
  expect((await asked).map(String)).toEqual(["ping"]);
  const { code, stderr } = await sent;
  expect(code).toBe(3);
  expect(stderr).toContain("waiting for the reply");
});

test("--timeout bounds a send to a TCP peer that accepts but never speaks ZMTP", async () => {
  const silent = net.createServer((socket) => cleanup.push(() => socket.destroy()));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => silent.close(resolve)));
  const accepted = new Promise((resolve) => silent.once("connection", resolve));
  const sent = runSkein(["send", "push", `tcp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, "--timeout", "800", "x"]);
  await accepted;
  expect((await sent).code).toBe(3);
});

test("with --timeout a send to a peer that binds late still delivers and exits 0", async () => {
  const endpoint = await freeAddress("tcp");
  const sending = startSkein(["send", "push", endpoint, "--timeout", "10000", "late"]);
  const pull = new zmq.Pull({ linger: 0 });
  cleanup.push(() => pull.close());
  await pull.bind(endpoint);
  expect((await pull.receive()).map(String)).toEqual(["late"]);
  expect((await sending.exited).code).toBe(0);
});

test("send as REQ with --hex prints the reply in hex", async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  cleanup.push(() => rep.close());
  const serving = (async () => {
    const [question] = await rep.receive();
    await rep.send(Buffer.concat([question!, Buffer.from([0])]));
  })();
  const { code, stdout } = await runSkein(["send", "req", rep.lastEndpoint!, "--hex", "cafe", "--timeout", "5000"]);
  await serving;
  expect(code).toBe(0);
  expect(stdout).toBe("cafe00\n");
});

test("--timeout bounds the linger of a message queued for a peer that left after its handshake", async () => {
  // A PULL written by hand: greets, says READY, then hangs up and stops listening, so the
  // message waits in the PUSH's queue for a reconnection that never comes.
  const leaving = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.end(Buffer.concat([rawGreeting(), rawReady("PULL")]));
    leaving.close();
  });
  await new Promise<void>((resolve) => leaving.listen(0, "127.0.0.1", resolve));
  const endpoint = `tcp://127.0.0.1:${(leaving.address() as net.AddressInfo).port}`;
  const sending = startSkein(["send", "push", endpoint, "--timeout", "1500", "--wait", "300", "x"]);
  // Exits at the deadline, with the timeout code, rather than lingering forever.
  const { code, stderr } = await within(sending.exited, 15_000, "skein send");
  expect(stderr).toContain("to take the message");
  expect(code).toBe(3);
});
