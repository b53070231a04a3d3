// The three classic ZeroMQ patterns with @skein/core, over tcp on loopback.
// Run: node examples/demo/demo.js  (after `pnpm build`)
import { Publisher, Pull, Push, Reply, Request, Subscriber } from "@skein/core";

// Pipeline: PUSH -> PULL.
const pull = new Pull();
await pull.bind("tcp://127.0.0.1:*");
const push = new Push();
push.connect(pull.lastEndpoint);
for (let i = 1; i <= 3; i++) await push.send(`task ${i}`);
for (let i = 1; i <= 3; i++) {
  const [task] = await pull.receive();
  console.log(`pipeline: PULL got "${task}"`);
}

// Request-reply: REQ -> REP -> REQ.
const reply = new Reply();
await reply.bind("tcp://127.0.0.1:*");
const request = new Request();
request.connect(reply.lastEndpoint);
await request.send("2 + 3");
const [question] = await reply.receive();
const [a, b] = String(question).split(" + ").map(Number);
await reply.send(String(a + b));
const [answer] = await request.receive();
console.log(`request-reply: "${question}" = ${answer}`);

// Publish-subscribe: the subscriber gets only its topic.
const pub = new Publisher();
await pub.bind("tcp://127.0.0.1:*");
const sub = new Subscriber();
sub.connect(pub.lastEndpoint);
sub.subscribe("weather.");
// Subscriptions travel to the publisher asynchronously: publish until one arrives.
const received = sub.receive();
let delivered = false;
received.then(() => (delivered = true));
while (!delivered) {
  await pub.send(["sports.score", "3-1"]);
  await pub.send(["weather.paris", "18C"]);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const [topic, body] = await received;
console.log(`pub-sub: subscriber got ${topic} = ${body}`);

for (const socket of [push, pull, request, reply, pub, sub]) {
  socket.linger = 0;
  socket.close();
}
console.log("demo finished");
