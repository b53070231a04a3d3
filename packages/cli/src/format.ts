/** How frames are printed: UTF-8 text where they are text, hex otherwise (or always, with --hex). */
export function formatMessage(frames: Buffer[], hex: boolean): string {
  return frames.map((frame) => formatFrame(frame, hex)).join(" ");
}

function formatFrame(frame: Buffer, hex: boolean): string {
  if (hex) return frame.toString("hex");
  const text = frame.toString("utf8");
  // Printable text (no replacement characters, no control characters but tab) prints as is.
  // eslint-disable-next-line no-control-regex
  if (!text.includes("\uFFFD") && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return text;
  return `0x${frame.toString("hex")}`;
}
