import { median } from "./stats.js";
import type { BenchCase } from "./cases.js";
import type { Sample } from "./scenarios.js";
import type { LatencySummary } from "./stats.js";

/** Outcome of every repeat of one implementation in one case, and their medians. */
export interface RowResult {
  caseId: string;
  label: string;
  status: "ok" | "n/a" | "failed";
  /** Why the row is n/a or failed, or how many repeats failed. */
  reason?: string;
  samples: Sample[];
  msgsPerSec?: number;
  mbPerSec?: number;
  peakRssMb?: number;
  latency?: LatencySummary;
  note?: string;
  rssSlopeMbPerM?: number;
  /** Repeats that failed once and were run again. */
  retries?: number;
}

/** Collects samples and failures per row while the suite runs. */
export class ResultBook {
  readonly rows: RowResult[] = [];
  readonly #byKey = new Map<string, RowResult>();

  /** The row for a case and label, created on first use. */
  row(benchCase: BenchCase, label: string): RowResult {
    const key = `${benchCase.id}\u0000${label}`;
    let row = this.#byKey.get(key);
    if (row === undefined) {
      row = { caseId: benchCase.id, label, status: "ok", samples: [] };
      this.#byKey.set(key, row);
      this.rows.push(row);
    }
    return row;
  }

  /** Looks a finished row up. */
  find(caseId: string, label: string): RowResult | undefined {
    return this.#byKey.get(`${caseId}\u0000${label}`);
  }

  /** Computes the medians of every row; call once all repeats are in. */
  finish(): void {
    for (const row of this.rows) {
      const s = row.samples;
      if (s.length === 0) {
        if (row.status === "ok") row.status = "failed";
        continue;
      }
      if (row.status === "failed") row.reason = `${row.reason ?? "failed"} (${s.length} repeat(s) succeeded)`;
      row.status = "ok";
      row.msgsPerSec = median(s.map((x) => x.msgsPerSec));
      row.mbPerSec = median(s.map((x) => x.mbPerSec));
      row.peakRssMb = median(s.map((x) => x.peakRssMb));
      const latencies = s.map((x) => x.latency).filter((l): l is LatencySummary => l !== undefined);
      if (latencies.length > 0) {
        row.latency = {
          meanUs: median(latencies.map((l) => l.meanUs)),
          p50Us: median(latencies.map((l) => l.p50Us)),
          p99Us: median(latencies.map((l) => l.p99Us)),
        };
      }
      const slopes = s.map((x) => x.rssSlopeMbPerM).filter((v): v is number => v !== undefined);
      if (slopes.length > 0) row.rssSlopeMbPerM = median(slopes);
      // The note of the median-throughput repeat describes the reported figure.
      const mid = [...s].sort((a, b) => a.msgsPerSec - b.msgsPerSec)[s.length >> 1]!;
      row.note = mid.note;
      if (row.retries !== undefined) row.note = [row.note, `${row.retries} repeat(s) retried after a failure`].filter((x) => x !== undefined).join("; ");
    }
  }
}
