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
  ratioTarget("16 B PUSH/PULL tcp: skein >= 0.5x raw-bare", "push-pull tcp 16 B", "skein", "push-pull tcp 16 B", "raw-bare", 0.5);
  ratioTarget("1 MiB PUSH/PULL tcp: skein >= 1.0x zeromq", "push-pull tcp 1 MiB", "skein", "push-pull tcp 1 MiB", "zeromq", 1.0);

  for (const size of ["16 B", "1 KiB"]) {
    const target = `REQ/REP ${size} p50 round trip tcp: skein <= 0.3x zeromq`;
    const caseId = `req-rep tcp ${size}`;
    const skein = book.find(caseId, "skein");
    const zeromq = book.find(caseId, "zeromq");
    if (skein?.latency === undefined || zeromq?.latency === undefined) {
      checks.push({ target, status: "not measured", detail: skein?.latency === undefined ? why(caseId, "skein") : why(caseId, "zeromq") });
    } else {
      const r = skein.latency.p50Us / zeromq.latency.p50Us;
      checks.push({
        target,
        status: r <= 0.3 ? "met" : "missed",
        detail: `${r.toFixed(2)}x (p50 ${skein.latency.p50Us.toFixed(1)} µs vs ${zeromq.latency.p50Us.toFixed(1)} µs)`,
      });
    }
  }

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
