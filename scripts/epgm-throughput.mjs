// epgm:// throughput, skein PUB to skein SUB in one process over loopback multicast (docs/epgm.md, Figures).
// Usage (after `pnpm build`; inside a namespace with a multicast route, or wherever multicast loops back):
//   node scripts/epgm-throughput.mjs SIZE COUNT RATE_KBITS [INTERFACE_IP]
import { Publisher, Subscriber } from "../packages/core/dist/index.js";

const [size, count, rate] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 20000), Number(process.argv[4] ?? 100000)];
const endpoint = `epgm://${process.argv[5] ?? "127.0.0.1"};239.192.50.1:7001`;
const sub = new Subscriber({ receiveHighWaterMark: 0 });
sub.subscribe();
sub.connect(endpoint);
const pub = new Publisher({ rate, sendHighWaterMark: 0 });
pub.connect(endpoint);
// Warm up until the SUB has joined (a retry loop, not a measurement).
let joined = false;
void sub.receive().then(() => (joined = true));
while (!joined) {
  await pub.send("w");
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const body = Buffer.alloc(size, 1);
const started = performance.now();
let received = 0;
const receiving = (async () => {
  while (received < count) if ((await sub.receive())[0].length === size) received++;
})();
for (let i = 0; i < count; i++) await pub.send(body);
await receiving;
const seconds = (performance.now() - started) / 1000;
const stats = sub.pgmStatistics;
console.log(
  `${size} B x ${count} at rate ${rate} kbit/s: ${(count / seconds).toFixed(0)} msg/s, ${((count * size * 8) / seconds / 1e6).toFixed(1)} Mbit/s; ` +
    `NAKs ${stats.naksSent}, repairs ${stats.repairsReceived}, lost ${stats.lost}`,
);
pub.close();
sub.close();
