/**
 * Building blocks of the fuzz corpora: ZMTP frame streams and command
 * transcripts, and the way back from a (mutated) stream to its commands.
 */
import { parseCommand } from "../../src/zmtp/commands.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { FrameEncoder } from "../../src/zmtp/frame-encoder.js";

/** Encodes frames (body, more, command) as a ZMTP byte stream. */
export function frameStream(frames: [Buffer, boolean, boolean?][]): Buffer {
  const encoder = new FrameEncoder();
  for (const [body, more, command] of frames) encoder.frame(body, more, command ?? false);
  return Buffer.concat(encoder.take());
}

/** The commands of a ZMTP stream, up to the first framing error (that one is the decoder target's). */
export function commandsOf(input: Buffer): { name: string; data: Buffer }[] {
  const commands: { name: string; data: Buffer }[] = [];
  const decoder = new FrameDecoder({ onFrame: (_flags, body) => commands.push({ ...parseCommandOrNull(body) }) }, 64 * 1024);
  try {
    decoder.write(input);
  } catch {
    // A malformed frame ends the stream here, as the engine would.
  }
  return commands.filter((command) => command.name !== "");
}

function parseCommandOrNull(body: Buffer): { name: string; data: Buffer } {
  try {
    return parseCommand(body);
  } catch {
    return { name: "", data: body };
  }
}

/** A transcript of commands as a stream of command frames. */
export function commandStream(commands: { name: string; data: Buffer }[]): Buffer {
  const frames = commands.map(({ name, data }): [Buffer, boolean, boolean] => [
    Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "latin1"), data]),
    false,
    true,
  ]);
  return frameStream(frames);
}

