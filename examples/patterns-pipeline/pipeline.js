// A pipeline with credit-based flow control, acknowledgement and redelivery:
// a ventilator (WorkQueue), three workers (one slow, one failing its first item),
// and drain() as the end-of-batch signal.
import { WorkQueue, Worker } from "@skein/patterns";

const queue = new WorkQueue({ bind: ["tcp://127.0.0.1:0"], heartbeatInterval: 250 });
await queue.start();

const counts = { fast: 0, slow: 0, flaky: 0 };
let releaseSlow;
const slowHeld = new Promise((resolve) => (releaseSlow = resolve));

const fast = new Worker({ connect: queue.endpoints, queue: "squares", concurrency: 4, heartbeatInterval: 250 });
await fast.process(async ([n]) => {
  counts.fast++;
  const x = n.readUInt32BE(0);
  return [Buffer.from(String(x * x))];
});
// The slow worker announces one credit: it is sent one item and no more until it acks.
const slow = new Worker({ connect: queue.endpoints, queue: "squares", concurrency: 1, heartbeatInterval: 250 });
await slow.process(async ([n]) => {
  counts.slow++;
  await slowHeld;
  const x = n.readUInt32BE(0);
  return [Buffer.from(String(x * x))];
});
let failedOnce = false;
const flaky = new Worker({ connect: queue.endpoints, queue: "squares", concurrency: 2, heartbeatInterval: 250 });
await flaky.process(async ([n]) => {
  counts.flaky++;
  if (!failedOnce) {
    failedOnce = true;
    throw new Error("transient failure"); // NACK: the queue redelivers the item
  }
  const x = n.readUInt32BE(0);
  return [Buffer.from(String(x * x))];
});

// Wait until the queue knows all three workers (READY arrived), so each gets its credits' worth.
while (queue.stats.workers < 3) await new Promise((resolve) => setTimeout(resolve, 10));

const results = [];
let finished = 0;
for (let i = 1; i <= 30; i++) {
  const item = Buffer.alloc(4);
  item.writeUInt32BE(i);
  results.push(
    queue.submit("squares", [item]).then(([square]) => {
      // The slow worker holds its one item while the others finish the other 29.
      if (++finished === 29) releaseSlow();
      return Number(square.toString());
    }),
  );
}
const squares = await Promise.all(results);
await queue.drain();

const sum = squares.reduce((a, b) => a + b, 0);
console.log(`batch done: ${squares.length} items, sum of squares ${sum}`);
console.log(`slow worker took ${counts.slow} item(s); redelivered ${queue.stats.redelivered}`);

await fast.close();
await slow.close();
await flaky.close();
await queue.close();
console.log("pipeline example finished");
