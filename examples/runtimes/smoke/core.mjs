// A smoke suite of @skein/core (and the RPC pattern of @skein/patterns) for
// any JavaScript runtime with Node's APIs: `node`, `bun` or `deno run
// --allow-all` this file. It prints one line a feature, `ok NAME` or
// `FAIL NAME: why`, then `runtime: NAME VERSION`, and exits 0 only if all passed.
//
// The interop checks start a Node process (SKEIN_NODE, default `node`) that
// runs libzmq through the `zeromq` package (smoke/libzmq-peer.mjs).
import { spawn, execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Dealer, Publisher, Pull, Push, Reply, Request, Router, Subscriber, TlsError, curveKeyPair } from "@skein/core";
import { RpcClient, RpcServer } from "@skein/patterns";

const folder = mkdtempSync(join(tmpdir(), "skein-smoke-"));
let failed = 0;

/** Runs one check with a deadline and prints its line. */
async function check(name, run) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
  });
  try {
    await Promise.race([run(), deadline]);
    console.log(`ok ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error?.code ?? ""} ${error?.message ?? error}`.replace(/\s+/g, " "));
  } finally {
    clearTimeout(timer);
  }
}

/** Opens sockets for one check and closes them whatever happens. */
async function withSockets(make, run) {
  const sockets = make();
  try {
    return await run(...sockets);
  } finally {
    for (const socket of sockets) {
      socket.linger = 0;
      socket.close();
    }
  }
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** PUSH/PULL: 100 three-part messages in order. */
async function pushPull(push, pull, bindAddress) {
  await pull.bind(bindAddress);
  push.connect(pull.lastEndpoint);
  for (let i = 0; i < 100; i++) await push.send(["part", String(i), Buffer.alloc(i * 100, i)]);
  for (let i = 0; i < 100; i++) {
    const [head, index, body] = await pull.receive();
    expectEqual([head.toString(), index.toString(), body.length], ["part", String(i), i * 100], `message ${i}`);
  }
}

/** REQ/REP: ten round trips. */
async function requestReply(req, rep, bindAddress) {
  await rep.bind(bindAddress);
  req.connect(rep.lastEndpoint);
  for (let i = 0; i < 10; i++) {
    await req.send(`ping ${i}`);
    const [request] = await rep.receive();
    await rep.send(`pong ${request}`);
    const [reply] = await req.receive();
    expectEqual(reply.toString(), `pong ping ${i}`, "reply");
  }
}

/** A self-signed certificate for 127.0.0.1, from node:crypto and the openssl command. */
function selfSigned() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  writeFileSync(join(folder, "key.pem"), keyPem, { mode: 0o600 });
  execFileSync("openssl", ["req", "-x509", "-new", "-key", join(folder, "key.pem"), "-out", join(folder, "cert.pem"), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  return { keyPem, certPem: readFileSync(join(folder, "cert.pem"), "utf8") };
}

/** Starts the libzmq peer under Node; resolves with its endpoints and a stop function. */
async function startLibzmqPeer() {
  const script = fileURLToPath(new URL("./libzmq-peer.mjs", import.meta.url));
  const child = spawn(process.env.SKEIN_NODE ?? "node", [script], { stdio: ["pipe", "pipe", "inherit"] });
  // A binary that cannot start emits 'error' and no 'exit' (Node, Bun and Deno alike).
  const exited = new Promise((resolve) => {
    child.once("exit", resolve);
    child.once("error", (error) => resolve(error.code));
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    new Promise((resolve) => lines.once("line", (line) => resolve([line]))),
    exited.then((code) => {
      throw new Error(`the libzmq peer exited with ${code}`);
    }),
  ]);
  lines.close();
  return {
    ...JSON.parse(first),
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

await check("tcp", () => withSockets(() => [new Push(), new Pull()], (push, pull) => pushPull(push, pull, "tcp://127.0.0.1:*")));

await check("tcp-req-rep", () => withSockets(() => [new Request(), new Reply()], (req, rep) => requestReply(req, rep, "tcp://127.0.0.1:*")));

await check("ipc", () => withSockets(() => [new Push(), new Pull()], (push, pull) => pushPull(push, pull, `ipc://${join(folder, "smoke.ipc")}`)));

await check("ws", () => withSockets(() => [new Request(), new Reply()], (req, rep) => requestReply(req, rep, "ws://127.0.0.1:*/smoke")));

await check("wss", () => {
  const { keyPem, certPem } = selfSigned();
  return withSockets(
    () => [new Push({ wssTrustPem: certPem }), new Pull({ wssCertPem: certPem, wssKeyPem: keyPem })],
    (push, pull) => pushPull(push, pull, "wss://127.0.0.1:*/smoke"),
  );
});

/** Connects with `options` to a wss:// PULL; resolves with the code of the TlsError its handshake event carries. */
function tlsFailure(options) {
  const { keyPem, certPem } = selfSigned();
  return withSockets(
    () => [new Push({ reconnectInterval: -1, ...options(certPem) }), new Pull({ wssCertPem: certPem, wssKeyPem: keyPem })],
    async (push, pull) => {
      await pull.bind("wss://127.0.0.1:*/smoke");
      const failed = new Promise((resolve) => push.events.on("handshake:error:protocol", (event) => resolve(event.error)));
      push.connect(pull.lastEndpoint);
      const error = await failed;
      if (!(error instanceof TlsError)) throw new Error(`not a TlsError: ${error?.code} ${error?.message}`);
      return error.code;
    },
  );
}

await check("wss-untrusted", async () => expectEqual(await tlsFailure(() => ({})), "ERR_TLS_CERT_UNTRUSTED", "error code"));

await check("wss-hostname", async () =>
  expectEqual(await tlsFailure((certPem) => ({ wssTrustPem: certPem, wssHostname: "other.example" })), "ERR_TLS_CERT_HOSTNAME", "error code"),
);

await check("pub-sub", () =>
  withSockets(
    () => [new Publisher(), new Subscriber()],
    async (pub, sub) => {
      await pub.bind("tcp://127.0.0.1:*");
      sub.connect(pub.lastEndpoint);
      sub.subscribe("news");
      // Publish until the subscription has reached the publisher.
      for (let i = 0; i < 500 && !sub.readable; i++) {
        await pub.send(["news", "probe"]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const [topic] = await sub.receive();
      expectEqual(topic.toString(), "news", "topic");
    },
  ),
);

await check("curve", () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  return withSockets(
    () => [
      new Router({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey }),
      new Dealer({ curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey, routingId: "smoke" }),
    ],
    async (router, dealer) => {
      await router.bind("tcp://127.0.0.1:*");
      dealer.connect(router.lastEndpoint);
      await dealer.send("secret");
      const [from, body] = await router.receive();
      expectEqual([from.toString(), body.toString()], ["smoke", "secret"], "CURVE message");
      await router.send([from, "answer"]);
      const [answer] = await dealer.receive();
      expectEqual(answer.toString(), "answer", "CURVE reply");
    },
  );
});

await check("rpc-patterns", async () => {
  const server = new RpcServer({ bind: ["tcp://127.0.0.1:0"] });
  await server.serve(async ([name]) => [Buffer.from(`hello ${name}`)]);
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 5000 });
  try {
    const [reply] = await client.request([Buffer.from("ada")]);
    expectEqual(reply.toString(), "hello ada", "RPC reply");
  } finally {
    await client.close();
    await server.close();
  }
});

let libzmq = null;
await check("libzmq-peer", async () => {
  libzmq = await startLibzmqPeer();
});

/** One request to the libzmq peer at `endpoint` from a REQ made with `options`. */
async function askLibzmq(endpoint, options, text) {
  if (libzmq === null) throw new Error("no libzmq peer");
  await withSockets(
    () => [new Request(options)],
    async (req) => {
      req.connect(libzmq[endpoint]);
      await req.send(text);
      const [reply] = await req.receive();
      expectEqual(reply.toString(), `pong from libzmq: ${text}`, "libzmq reply");
    },
  );
}

await check("interop-tcp", () => askLibzmq("tcp", {}, "ping"));

await check("interop-ws-curve", () => {
  const keys = curveKeyPair();
  return askLibzmq("ws", { curveServerKey: libzmq?.serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey }, "secret ping");
});

await libzmq?.stop();
rmSync(folder, { recursive: true, force: true });
const runtime = globalThis.Bun !== undefined ? `bun ${globalThis.Bun.version}` : globalThis.Deno !== undefined ? `deno ${globalThis.Deno.version.deno}` : `node ${process.versions.node}`;
console.log(`runtime: ${runtime}`);
process.exitCode = failed === 0 ? 0 : 1;
