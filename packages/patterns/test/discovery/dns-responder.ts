/**
 * A tiny authoritative DNS server for tests of the plain suite (no root, no
 * Debian package): answers A and SRV questions (RFC 1035 §4, RFC 2782) from
 * a table the test changes; NXDOMAIN for names it does not hold, an empty
 * answer for a type a name lacks. The real-server tests (dnsmasq) are in
 * ../dnsmasq/.
 */
import { createSocket, type Socket } from "node:dgram";

/** An SRV record's data. */
export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

const TYPE_A = 1;
const TYPE_SRV = 33;

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split(".").filter((label) => label.length > 0).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0])]);
}

export class DnsResponder {
  /** `127.0.0.1:<port>`, for `resolve.servers`. */
  readonly server: string;
  /** Names to IPv4 addresses. */
  readonly a = new Map<string, string[]>();
  /** Names to SRV records. */
  readonly srv = new Map<string, SrvData[]>();
  /** Questions answered. */
  queries = 0;
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.server = `127.0.0.1:${socket.address().port}`;
    socket.on("message", (query, from) => {
      const reply = this.#answer(query);
      if (reply !== null) socket.send(reply, from.port, from.address);
    });
  }

  static async start(): Promise<DnsResponder> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return new DnsResponder(socket);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #answer(query: Buffer): Buffer | null {
    if (query.length < 17) return null;
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset]!;
      labels.push(query.toString("latin1", offset + 1, offset + 1 + length));
      offset += 1 + length;
    }
    const type = query.readUInt16BE(offset + 1);
    const question = query.subarray(12, offset + 5);
    const name = labels.join(".").toLowerCase();
    this.queries++;
    const known = this.a.has(name) || this.srv.has(name);
    const records: Buffer[] = [];
    for (const address of type === TYPE_A ? this.a.get(name) ?? [] : []) {
      records.push(Buffer.concat([Buffer.from([0xc0, 0x0c, 0, TYPE_A, 0, 1, 0, 0, 0, 0, 0, 4]), Buffer.from(address.split(".").map(Number))]));
    }
    for (const record of type === TYPE_SRV ? this.srv.get(name) ?? [] : []) {
      const data = Buffer.alloc(6);
      data.writeUInt16BE(record.priority, 0);
      data.writeUInt16BE(record.weight, 2);
      data.writeUInt16BE(record.port, 4);
      const rdata = Buffer.concat([data, encodeName(record.target)]);
      const head = Buffer.from([0xc0, 0x0c, 0, TYPE_SRV, 0, 1, 0, 0, 0, 0, 0, 0]);
      head.writeUInt16BE(rdata.length, 10);
      records.push(Buffer.concat([head, rdata]));
    }
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the question's id
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (known ? 0 : 3), 2); // QR, AA, RD copied, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    return Buffer.concat([header, question, ...records]);
  }
}
