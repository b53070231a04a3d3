import type { ResultBook } from "./results.js";

/** One target of the issue, checked against figures from the same run. */
export interface TargetCheck {
  target: string;
  status: "met" | "missed" | "not measured";
  detail: string;
}

/**
 * Checks the targets. Every comparison uses rows measured in this
 * run only: on a noisy machine, ratios within one run are what is comparable.
 */
export function checkTargets(book: ResultBook, soakCount: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const rate = (caseId: string, label: string): number | undefined => {
    const row = book.find(caseId, label);
    return row?.status === "ok" ? row.msgsPerSec : undefined;
  };
  const why = (caseId: string, label: string): string => {
    const row = book.find(caseId, label);
    return row === undefined ? `${caseId} / ${label} was not run` : `${caseId} / ${label}: ${row.status} ${row.reason ?? ""}`.trim();
  };
  const ratioTarget = (target: string, caseA: string, labelA: string, caseB: string, labelB: string, min: number): void => {
    const a = rate(caseA, labelA);
    const b = rate(caseB, labelB);
    if (a === undefined || b === undefined) {
      checks.push({ target, status: "not measured", detail: a === undefined ? why(caseA, labelA) : why(caseB, labelB) });
      return;
    }
    const r = a / b;
    checks.push({
      target,
      status: r >= min ? "met" : "missed",
      detail: `${r.toFixed(2)}x (${Math.round(a).toLocaleString("en-US")} vs ${Math.round(b).toLocaleString("en-US")} msgs/s)`,
    });
  };

  ratioTarget("16 B PUSH/PULL tcp: skein >= 20x zeromq", "push-pull tcp 16 B", "skein", "push-pull tcp 16 B", "zeromq", 20);
  ratioTarget("16 B PUSH/PULL tcp: skein >= 0.6x raw-bare", "push-pull tcp 16 B", "skein", "push-pull tcp 16 B", "raw-bare", 0.6);
  ratioTarget("1 MiB PUSH/PULL tcp: skein >= 1.2x zeromq", "push-pull tcp 1 MiB", "skein", "push-pull tcp 1 MiB", "zeromq", 1.2);

  /** `a`'s latency percentile over `b`'s, at most `max`. */
  const latencyTarget = (target: string, caseA: string, labelA: string, caseB: string, labelB: string, percentile: "p50Us" | "p99Us", max: number): void => {
    const a = book.find(caseA, labelA);
    const b = book.find(caseB, labelB);
    if (a?.latency === undefined || b?.latency === undefined) {
      checks.push({ target, status: "not measured", detail: a?.latency === undefined ? why(caseA, labelA) : why(caseB, labelB) });
      return;
    }
    const r = a.latency[percentile] / b.latency[percentile];
    const name = percentile === "p50Us" ? "p50" : "p99";
    checks.push({
      target,
      status: r <= max ? "met" : "missed",
      detail: `${r.toFixed(2)}x (${name} ${a.latency[percentile].toFixed(1)} µs vs ${b.latency[percentile].toFixed(1)} µs)`,
    });
  };
  latencyTarget("REQ/REP 16 B p50 tcp: skein <= 0.35x zeromq", "req-rep tcp 16 B", "skein", "req-rep tcp 16 B", "zeromq", "p50Us", 0.35);
  latencyTarget("REQ/REP 16 B p99 tcp: skein <= zeromq", "req-rep tcp 16 B", "skein", "req-rep tcp 16 B", "zeromq", "p99Us", 1);
  latencyTarget("REQ/REP 1 KiB p50 tcp: skein <= 0.3x zeromq", "req-rep tcp 1 KiB", "skein", "req-rep tcp 1 KiB", "zeromq", "p50Us", 0.3);
  latencyTarget("service typed call p50, 1 in flight: <= 1.2x core REQ/REP 16 B p50", "service unary tcp x1", "skein", "req-rep tcp 16 B", "skein", "p50Us", 1.2);
  ratioTarget("service typed calls/s, 64 in flight: >= 10x grpc-js", "service unary tcp x64", "skein", "service unary tcp x64", "grpc-js", 10);
  ratioTarget("service stream items/s, 64 in flight: skein >= grpc-js", "service stream tcp x64 100 items", "skein", "service stream tcp x64 100 items", "grpc-js", 1);

  ratioTarget("inproc 16 B: skein >= 5x skein's own tcp 16 B", "push-pull inproc 16 B", "skein", "push-pull tcp 16 B", "skein", 5);

  const soakTarget = "Receiver peak RSS after 10 M msgs < 150 MB and not growing";
  const soak = book.find("soak push-pull tcp 16 B", "skein");
  if (soak?.status !== "ok" || soak.peakRssMb === undefined) {
    checks.push({ target: soakTarget, status: "not measured", detail: why("soak push-pull tcp 16 B", "skein") });
  } else {
    const slope = soak.rssSlopeMbPerM ?? 0;
    const count = Math.min(...soak.samples.map((sample) => sample.messages ?? 0));
    const ok = soak.peakRssMb < 150 && slope < 1 && count >= Math.min(soakCount, 10_000_000);
    checks.push({
      target: soakTarget,
      status: ok ? "met" : "missed",
      detail: `peak ${soak.peakRssMb.toFixed(0)} MB, slope ${slope.toFixed(2)} MB per million msgs over the second half, ${count.toLocaleString("en-US")} msgs`,
    });
  }
  return checks;
}
