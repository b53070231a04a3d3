/** RSS, heap and fds of one logical soak peer over the run: first sample, maximum, last sample. */
import type { PeerSample } from "./protocol.js";

export interface Range {
  start: number;
  max: number;
  end: number;
}

export interface PeerFootprint {
  /** `"PUB/SUB ipc: pub"` */
  peer: string;
  /** How many processes played this peer (1 + restarts). */
  incarnations: number;
  samples: number;
  rss: Range;
  heap: Range;
  fds: Range;
}

export class FootprintSeries {
  readonly peer: string;
  incarnations = 0;
  samples = 0;
  readonly rss: Range = { start: 0, max: 0, end: 0 };
  readonly heap: Range = { start: 0, max: 0, end: 0 };
  readonly fds: Range = { start: 0, max: 0, end: 0 };

  constructor(peer: string) {
    this.peer = peer;
  }

  add(sample: PeerSample): void {
    const first = this.samples++ === 0;
    for (const [range, value] of [[this.rss, sample.rss], [this.heap, sample.heap], [this.fds, sample.fds]] as const) {
      if (first) range.start = value;
      range.max = Math.max(range.max, value);
      range.end = value;
    }
  }

  summary(): PeerFootprint {
    return { peer: this.peer, incarnations: this.incarnations, samples: this.samples, rss: { ...this.rss }, heap: { ...this.heap }, fds: { ...this.fds } };
  }
}
