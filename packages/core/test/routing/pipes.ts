/**
 * Real pipes for the routing tests, owned by a recorder that notes what a
 * socket would be told (readable, writable, terminated).
 */
import { Pipe, type PipeOwner } from "../../src/pipe.js";

export interface Recorder extends PipeOwner {
  readable: Pipe[];
  writable: Pipe[];
  terminated: Pipe[];
}

export function recorder(): Recorder {
  const owner: Recorder = {
    readable: [],
    writable: [],
    terminated: [],
    pipeReadable: (pipe) => void owner.readable.push(pipe),
    pipeWritable: (pipe) => void owner.writable.push(pipe),
    pipeTerminated: (pipe) => void owner.terminated.push(pipe),
    pipeHiccuped: () => {},
  };
  return owner;
}

/** `count` unconnected pipes of one owner, each queueing up to `sendHighWaterMark` messages. */
export function pipes(count: number, sendHighWaterMark = 1000, owner: Recorder = recorder()): Pipe[] {
  return Array.from({ length: count }, () => new Pipe(owner, sendHighWaterMark, 1000, false));
}

/** A one-frame message. */
export function msg(text: string): Buffer[] {
  return [Buffer.from(text)];
}
