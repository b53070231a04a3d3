/**
 * Frames as typed on a command line (`send`): text by default, or each
 * argument hex (`--hex`) or base64 (`--base64`) for binary frames; and
 * frames as printed (`recv`, replies).
 */
import { UsageError } from "./exit-code.js";

/** How frames are written on the command line and printed. */
export type FrameEncoding = "text" | "hex" | "base64";

/** The encoding chosen by the `--hex` / `--base64` flags (at most one). */
export function encodingOf(flags: ReadonlySet<string>): FrameEncoding {
  if (flags.has("hex") && flags.has("base64")) throw new UsageError("--hex and --base64 exclude each other");
  return flags.has("hex") ? "hex" : flags.has("base64") ? "base64" : "text";
}

/** Decodes one argument per frame; a malformed hex or base64 argument is a usage error. */
export function decodeFrames(args: readonly string[], encoding: FrameEncoding): Buffer[] {
  return args.map((arg, index) => decodeFrame(arg, encoding, index + 1));
}

function decodeFrame(arg: string, encoding: FrameEncoding, position: number): Buffer {
  switch (encoding) {
    case "text":
      return Buffer.from(arg, "utf8");
    case "hex": {
      // Buffer.from(…, "hex") stops silently at the first bad digit: check first.
      const digits = arg.startsWith("0x") ? arg.slice(2) : arg;
      if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
        throw new UsageError(`frame ${position} is not hex (an even number of 0-9a-f digits, 0x optional): ${JSON.stringify(arg)}`);
      }
      return Buffer.from(digits, "hex");
    }
    case "base64": {
      // Standard or URL-safe alphabet, padding optional; anything else would be dropped silently by Buffer.from.
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(arg) || arg.replace(/=+$/, "").length % 4 === 1) {
        throw new UsageError(`frame ${position} is not base64: ${JSON.stringify(arg)}`);
      }
      return Buffer.from(arg, "base64");
    }
  }
}

/**
 * One line for a message, frames separated by spaces: text frames as is
 * (binary ones as `0x…`), or every frame in hex or base64.
 */
export function formatMessage(frames: readonly Buffer[], encoding: FrameEncoding | boolean = "text"): string {
  const chosen = encoding === true ? "hex" : encoding === false ? "text" : encoding;
  return frames.map((frame) => formatFrame(frame, chosen)).join(" ");
}

function formatFrame(frame: Buffer, encoding: FrameEncoding): string {
  if (encoding === "hex") return frame.toString("hex");
  if (encoding === "base64") return frame.toString("base64");
  const text = frame.toString("utf8");
  // Printable text (no replacement characters, no control characters but tab) prints as is.
  // eslint-disable-next-line no-control-regex
  if (!text.includes("\uFFFD") && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return text;
  return `0x${frame.toString("hex")}`;
}
