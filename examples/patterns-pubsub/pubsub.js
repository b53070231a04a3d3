// Pub-sub with @skein/patterns:
// 1. A SnapshotPublisher keeps the last value per topic; a late joiner, through a
//    Forwarder (XSUB/XPUB proxy), gets the snapshot, then every live update once.
// 2. A TopicSubscriber with a slow handler: its queue stays bounded, drops are reported.
import { Forwarder, SnapshotPublisher, SnapshotSubscriber, TopicPublisher, TopicSubscriber } from "@skein/patterns";

const ANY = "tcp://127.0.0.1:0";

// --- 1. snapshot + live through a forwarder ---------------------------------------
const prices = new SnapshotPublisher({ bind: [ANY], snapshotBind: [ANY] });
await prices.start();
const forwarder = new Forwarder({ frontend: { connect: prices.endpoints }, backend: { bind: [ANY] } });
await forwarder.start();

await prices.publish("price.EURUSD", [Buffer.from("1.0840")]);
await prices.publish("price.EURUSD", [Buffer.from("1.0842")]);
await prices.publish("price.GBPUSD", [Buffer.from("1.2710")]);

const lines = [];
const late = new SnapshotSubscriber({ connect: forwarder.backendEndpoints, snapshot: prices.snapshotEndpoints });
let liveSeen;
const gotLive = new Promise((resolve) => (liveSeen = resolve));
late.subscribe("price.", ([value], topic, { sequence, snapshot }) => {
  lines.push(`${snapshot ? "snapshot" : "live"} ${topic}#${sequence} = ${value}`);
  if (!snapshot && topic === "price.GBPUSD") liveSeen();
});
await late.start(); // resolves once the snapshot is delivered
await prices.publish("price.EURUSD", [Buffer.from("1.0845")]);
await prices.publish("price.GBPUSD", [Buffer.from("1.2712")]);
await gotLive;
for (const line of lines) console.log(line);
await late.close();
await forwarder.close();
await prices.close();

// --- 2. a slow subscriber -------------------------------------------------------------
const ticks = new TopicPublisher({ bind: [ANY], sendHighWaterMark: 10_000 });
await ticks.start();
let dropped = 0;
let reported;
const allReported = new Promise((resolve) => (reported = resolve));
const slow = new TopicSubscriber({
  connect: ticks.endpoints,
  maxQueue: 100,
  onDrop: (report) => {
    dropped += report.dropped;
    if (dropped === 899) reported();
  },
});
let release;
const held = new Promise((resolve) => (release = resolve));
let first;
const firstSeen = new Promise((resolve) => (first = resolve));
slow.subscribe("tick", async () => {
  first();
  await held; // a handler stuck on something slow
});
const probe = new Promise((resolve) => slow.subscribe("probe", resolve));
await slow.start();
// PUB drops messages sent before the subscription arrives: probe until one gets through.
let joined = false;
void probe.then(() => (joined = true));
while (!joined) {
  await ticks.publish("probe", []);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
slow.unsubscribe("probe");
for (let i = 0; i < 1000; i++) await ticks.publish("tick", [Buffer.from(String(i))]);
await firstSeen;
await allReported;
console.log(`slow subscriber: ${dropped} dropped and reported, ${slow.queued} queued (bounded by maxQueue 100)`);
release();
await slow.close();
await ticks.close();
console.log("pubsub example finished");
