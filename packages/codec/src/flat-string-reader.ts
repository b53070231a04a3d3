/**
 * The protobuf reader codec decodes Buffers with: protobufjs's own
 * `BufferReader`, whose strict UTF-8 strings (`stringVerify`, what proto3
 * `string` fields use) are read by a JavaScript loop that appends 8
 * characters at a time. A string of 13 characters or more comes out as a
 * chain of pieces (a V8 cons string), which its first hash (a `Map` look-up
 * of a service name) or character read must copy flat: about 0.2-0.3 µs per
 * header string on the service call path. Here a string whose bytes are all
 * ASCII (valid UTF-8 by definition, and decoded as the same characters by
 * Latin-1) is made by Node in one flat copy; any other string goes through
 * protobufjs's strict reader as before, with the same errors. The same
 * reader, the same fields and bounds: only how an ASCII string is built.
 */
import protobuf from "protobufjs";

const NodeBuffer = (globalThis as { Buffer?: BufferConstructor }).Buffer;

/** A protobufjs `BufferReader` whose ASCII strings are built flat. */
class FlatStringReader extends protobuf.BufferReader {
  override stringVerify(): string {
    const at = this.pos;
    const length = this.size();
    const end = this.pos + length;
    const buf = this.buf as Buffer;
    if (end <= this.len) {
      let ascii = true;
      for (let i = this.pos; i < end; i++) {
        if (buf[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        const start = this.pos;
        this.pos = end;
        return buf.toString("latin1", start, end);
      }
    }
    // Not ASCII, or past the end: protobufjs reads it (and throws) as it always did.
    this.pos = at;
    return super.stringVerify();
  }
}

/** A reader of `frame` for a protobufjs decoder: {@link FlatStringReader} on a Buffer, protobufjs's own otherwise (a browser). */
export function protobufReader(frame: Uint8Array): protobuf.Reader {
  return NodeBuffer !== undefined && NodeBuffer.isBuffer(frame) ? new FlatStringReader(frame) : protobuf.Reader.create(frame);
}
