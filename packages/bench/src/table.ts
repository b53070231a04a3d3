import type { BenchCase } from "./cases.js";
import type { ResultBook, RowResult } from "./results.js";

/** One formatted line of the results table. */
interface Line {
  caseId: string;
  impl: string;
  msgs: string;
  mb: string;
  vsZeromq: string;
  vsBare: string;
  vsAsync: string;
  rss: string;
  latency: string;
  note: string;
}

const HEADERS: Line = {
  caseId: "case",
  impl: "impl",
  msgs: "msgs/s",
  mb: "MB/s",
  vsZeromq: "× zeromq",
  vsBare: "× raw-bare",
  vsAsync: "× raw-async",
  rss: "rx peak RSS MB",
  latency: "RTT µs mean/p50/p99",
  note: "note",
};

/** 1234567 → "1.23M", 12345 → "12.3k". */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

function ratio(row: RowResult, reference: RowResult | undefined): string {
  if (reference === undefined || reference.msgsPerSec === undefined || row.msgsPerSec === undefined) return "-";
  if (row === reference) return "1.00";
  return (row.msgsPerSec / reference.msgsPerSec).toFixed(2);
}

function lines(cases: readonly BenchCase[], book: ResultBook): Line[] {
  const out: Line[] = [];
  for (const benchCase of cases) {
    const referenceCase = benchCase.compareWith ?? benchCase.id;
    for (const run of benchCase.runs) {
      const row = book.find(benchCase.id, run.label);
      if (row === undefined) continue;
      if (row.status !== "ok") {
        out.push({ ...blank(benchCase.id, run.label), note: `${row.status}: ${row.reason ?? ""}` });
        continue;
      }
      const lat = row.latency;
      // A paced soak run is not a throughput figure: no ratios. Service cases compare with grpc-js (in the note).
      const paced = benchCase.kind === "soak" || benchCase.kind === "service";
      const vsGrpc = benchCase.kind === "service" ? `${ratio(row, book.find(referenceCase, "grpc-js"))}x grpc-js` : undefined;
      out.push({
        caseId: benchCase.id,
        impl: run.label,
        msgs: compact(row.msgsPerSec!),
        mb: compact(row.mbPerSec!),
        vsZeromq: paced ? "-" : ratio(row, book.find(referenceCase, "zeromq")),
        vsBare: paced ? "-" : ratio(row, book.find(referenceCase, "raw-bare")),
        vsAsync: paced ? "-" : ratio(row, book.find(referenceCase, "raw-async")),
        rss: row.peakRssMb!.toFixed(0),
        latency: lat === undefined ? "" : `${lat.meanUs.toFixed(1)}/${lat.p50Us.toFixed(1)}/${lat.p99Us.toFixed(1)}`,
        note: [vsGrpc, row.note, row.reason].filter((x) => x !== undefined).join("; "),
      });
    }
  }
  return out;
}

function blank(caseId: string, impl: string): Line {
  return { caseId, impl, msgs: "-", mb: "-", vsZeromq: "-", vsBare: "-", vsAsync: "-", rss: "-", latency: "", note: "" };
}

const KEYS = Object.keys(HEADERS) as Array<keyof Line>;

/** The table as aligned plain text for the terminal. */
export function textTable(cases: readonly BenchCase[], book: ResultBook): string {
  const all = [HEADERS, ...lines(cases, book)];
  const widths = KEYS.map((key) => Math.max(...all.map((line) => line[key].length)));
  return all
    .map((line) => KEYS.map((key, i) => (i < 2 || key === "note" ? line[key].padEnd(widths[i]!) : line[key].padStart(widths[i]!))).join("  ").trimEnd())
    .join("\n");
}

/** The table as GitHub Markdown, for docs/benchmarks.md. */
export function markdownTable(cases: readonly BenchCase[], book: ResultBook): string {
  const all = lines(cases, book);
  const row = (line: Line): string => `| ${KEYS.map((key) => line[key].replace(/\|/g, "\\|")).join(" | ")} |`;
  const align = `|${KEYS.map((key, i) => (i < 2 || key === "note" ? " --- " : " ---: ")).join("|")}|`;
  return [row(HEADERS), align, ...all.map(row)].join("\n");
}
