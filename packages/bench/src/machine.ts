import { cpus, loadavg, totalmem, type as osType, release } from "node:os";
import { readFileSync } from "node:fs";

/** Where a run happened: printed with the table and stored in the JSON. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

/** Describes this machine from `os` and `/proc/cpuinfo`. */
export function describeMachine(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) cpuModel = line.split(":")[1]!.trim();
  } catch {
    // Not Linux: os.cpus() already gave a model.
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${osType()} ${release()}`,
    date: new Date().toISOString(),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}
