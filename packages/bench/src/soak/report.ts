/** The soak's verdict, table and JSON summary. */
import type { SoakResult } from "./driver.js";
import type { Range } from "./footprint.js";

/** Why the soak failed (empty: it passed): problems, a direction that carried nothing, any duplicate. */
export function verdict(result: SoakResult): string[] {
  const reasons = [...result.problems];
  for (const row of result.directions) {
    if (row.received === 0) reasons.push(`${row.pair} ${row.direction}: nothing received`);
    if (row.duplicated > 0) reasons.push(`${row.pair} ${row.direction}: ${row.duplicated} duplicates (no socket here retries)`);
  }
  return reasons;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const range = (r: Range, unit: (n: number) => string) => `${unit(r.start)} / ${unit(r.max)} / ${unit(r.end)}`;

/** Markdown tables: traffic per direction, then footprint per peer. */
export function soakTable(result: SoakResult): string {
  const lines = [
    `| pair | direction | sent | received | lost | lost % | duplicated |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const r of result.directions) {
    const percent = r.sent === 0 ? "-" : ((100 * r.lost) / r.sent).toFixed(3);
    lines.push(`| ${r.pair} | ${r.direction} | ${r.sent} | ${r.received} | ${r.lost} | ${percent} | ${r.duplicated} |`);
  }
  lines.push("", `| peer | processes | RSS MB start / max / end | heap MB start / max / end | fds start / max / end |`, `| --- | ---: | --- | --- | --- |`);
  for (const p of result.peers) {
    lines.push(`| ${p.peer} | ${p.incarnations} | ${range(p.rss, mb)} | ${range(p.heap, mb)} | ${range(p.fds, String)} |`);
  }
  return lines.join("\n");
}
