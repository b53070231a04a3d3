// A program written against the `zeromq` npm package (v6) API. The library is
// the only thing that changes: `node program.js zeromq` or `node program.js @skein/core`.
import { createServer } from "node:net";

const library = process.argv[2] ?? "@skein/core";
const zmq = await import(library);

/** A tcp port nobody listens on right now (so PUSH can connect before PULL binds). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const out = [];
const log = (line) => out.push(line);

// Pipeline with a monitor: PUSH connects before PULL binds (peers in any order).
const address = `tcp://127.0.0.1:${await freePort()}`;
const push = new zmq.Push({ sendHighWaterMark: 100 });
push.connect(address);
const pull = new zmq.Pull();
pull.events.on("accept", () => log("monitor: accept"));
await pull.bind(address);
for (let i = 0; i < 3; i++) await push.send(["job", String(i)]);
for (let i = 0; i < 3; i++) {
  const [kind, n] = await pull.receive();
  log(`pipeline: ${kind} ${n}`);
}

// Request-reply with for-await on the server side.
const reply = new zmq.Reply();
await reply.bind("tcp://127.0.0.1:*");
const serving = (async () => {
  for await (const [question] of reply) await reply.send(String(question).toUpperCase());
})();
const request = new zmq.Request({ receiveTimeout: 2000 });
request.connect(reply.lastEndpoint);
for (const word of ["ping", "zmtp"]) {
  await request.send(word);
  const [answer] = await request.receive();
  log(`request-reply: ${word} -> ${answer}`);
}

// Strict alternation is enforced the same way.
try {
  await request.receive();
} catch (error) {
  log(`request-reply: receive before send fails with ${error.code}`);
}

// ROUTER/DEALER with a routing id.
const router = new zmq.Router();
await router.bind("tcp://127.0.0.1:*");
const dealer = new zmq.Dealer({ routingId: "worker-1" });
dealer.connect(router.lastEndpoint);
await dealer.send(["", "hello"]);
const [id, , greeting] = await router.receive();
log(`router: ${id} says ${greeting}`);

// Publish-subscribe with a prefix filter.
const pub = new zmq.Publisher();
await pub.bind("tcp://127.0.0.1:*");
const sub = new zmq.Subscriber();
sub.connect(pub.lastEndpoint);
sub.subscribe("news");
const first = sub.receive();
let done = false;
first.then(() => (done = true));
while (!done) {
  await pub.send(["sport", "skip me"]);
  await pub.send(["news", "hello subscribers"]);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const [topic, body] = await first;
log(`pub-sub: ${topic}: ${body}`);

for (const socket of [push, pull, request, reply, router, dealer, pub, sub]) {
  socket.linger = 0;
  socket.close();
}
await serving.catch(() => {});
console.log(out.join("\n"));
