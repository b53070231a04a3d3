/**
 * PGM packets (RFC 3208) as OpenPGM sends them inside UDP (epgm://): the
 * common header, and the SPM, ODATA/RDATA and NAK/NCF bodies libzmq's
 * OpenPGM build exchanges. Decoding never trusts a length: every field is
 * checked against the datagram, and a bad checksum refuses the packet.
 *
 * Common header (16 octets): source port, destination port, type, options,
 * checksum (Internet checksum of the whole packet, 0 = none), GSI (6), TSDU
 * length. SPM: sqn, trail, lead, path NLA (AFI 1 + IPv4). ODATA/RDATA: sqn,
 * trail, then the TSDU. NAK/NCF: requested sqn, source NLA, group NLA.
 * Options (OPT_LENGTH first, last one flagged OPT_END) are skipped on
 * receipt but for OPT_NAK_LIST, the further sqns a NAK or NCF asks for
 * (OpenPGM sends one whenever two or more packets are missing: up to 62
 * sqns, as an option's length is one octet); a packet carrying OPT_FRAGMENT
 * is refused (libzmq's sender never fragments: it writes at most one TSDU an
 * APDU).
 */

export const PGM_SPM = 0x00;
export const PGM_ODATA = 0x04;
export const PGM_RDATA = 0x05;
export const PGM_NAK = 0x08;
export const PGM_NCF = 0x0a;

const OPT_PRESENT = 0x01;
const OPT_NETWORK = 0x02;
const OPT_LENGTH = 0x00;
const OPT_FRAGMENT = 0x01;
const OPT_NAK_LIST = 0x02;
const OPT_END = 0x80;
const OPT_TYPE_MASK = 0x7f;
const AFI_IPV4 = 1;

/** The common header's size. */
export const PGM_HEADER = 16;
/** Octets before the TSDU of an ODATA/RDATA without options. */
export const PGM_DATA_HEADER = PGM_HEADER + 8;

/** A decoded packet: the header, and the fields its type has. */
export interface PgmPacket {
  sourcePort: number;
  destinationPort: number;
  type: number;
  /** The sender's GSI as 12 hex digits (with the source port, the session: TSI). */
  gsi: string;
  /** ODATA/RDATA: data sqn; SPM: spm sqn; NAK/NCF: requested sqn. */
  sqn: number;
  /** ODATA/RDATA and SPM: the trailing edge of the sender's window. */
  trail: number;
  /** SPM: the leading edge. */
  lead: number;
  /** SPM: the path NLA (where NAKs go); NAK/NCF: the source NLA. */
  nla: string;
  /** NAK/NCF: the group NLA. */
  groupNla: string;
  /** NAK/NCF: the sqns of its OPT_NAK_LIST, asked for beside `sqn` (at most 62). */
  nakList: number[];
  /** ODATA/RDATA: the TSDU. */
  data: Buffer;
}

/** RFC 1071's Internet checksum of `buf` (already complemented); 0 comes out as 0xffff as RFC 3208 asks. */
export function pgmChecksum(buf: Buffer): number {
  let sum = 0;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (even !== buf.length) sum += buf[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const result = ~sum & 0xffff;
  return result === 0 ? 0xffff : result;
}

function gsiHex(buf: Buffer): string {
  return buf.toString("hex", 8, 14);
}

function readNla(buf: Buffer, at: number): string | null {
  if (buf.readUInt16BE(at) !== AFI_IPV4) return null;
  return `${buf[at + 4]}.${buf[at + 5]}.${buf[at + 6]}.${buf[at + 7]}`;
}

function writeNla(buf: Buffer, at: number, ip: string): void {
  buf.writeUInt16BE(AFI_IPV4, at);
  buf.writeUInt16BE(0, at + 2);
  const parts = ip.split(".");
  for (let i = 0; i < 4; i++) buf[at + 4 + i] = Number(parts[i]);
}

/** Why {@link decodePgm} refused a datagram. */
export type PgmDecodeError = "short" | "checksum" | "options" | "fragment" | "type" | "nla";

/** Decodes one datagram; a string names why it was refused. */
export function decodePgm(buf: Buffer): PgmPacket | PgmDecodeError {
  if (buf.length < PGM_HEADER) return "short";
  const sum = buf.readUInt16BE(6);
  if (sum !== 0) {
    const copy = Buffer.from(buf);
    copy.writeUInt16BE(0, 6);
    if (pgmChecksum(copy) !== sum) return "checksum";
  }
  const type = buf[4]!;
  const options = buf[5]!;
  const packet: PgmPacket = {
    sourcePort: buf.readUInt16BE(0),
    destinationPort: buf.readUInt16BE(2),
    type,
    gsi: gsiHex(buf),
    sqn: 0,
    trail: 0,
    lead: 0,
    nla: "",
    groupNla: "",
    nakList: NO_SQNS,
    data: EMPTY,
  };
  let at: number;
  switch (type) {
    case PGM_SPM: {
      if (buf.length < PGM_HEADER + 20) return "short";
      packet.sqn = buf.readUInt32BE(16);
      packet.trail = buf.readUInt32BE(20);
      packet.lead = buf.readUInt32BE(24);
      const nla = readNla(buf, 28);
      if (nla === null) return "nla";
      packet.nla = nla;
      at = PGM_HEADER + 20;
      break;
    }
    case PGM_ODATA:
    case PGM_RDATA:
      if (buf.length < PGM_DATA_HEADER) return "short";
      packet.sqn = buf.readUInt32BE(16);
      packet.trail = buf.readUInt32BE(20);
      at = PGM_DATA_HEADER;
      break;
    case PGM_NAK:
    case PGM_NCF: {
      if (buf.length < PGM_HEADER + 20) return "short";
      packet.sqn = buf.readUInt32BE(16);
      const source = readNla(buf, 20);
      const group = readNla(buf, 28);
      if (source === null || group === null) return "nla";
      packet.nla = source;
      packet.groupNla = group;
      at = PGM_HEADER + 20;
      break;
    }
    default:
      return "type";
  }
  if ((options & OPT_PRESENT) !== 0) {
    const skipped = skipOptions(buf, at, packet);
    if (typeof skipped === "string") return skipped;
    at = skipped;
  }
  if (type === PGM_ODATA || type === PGM_RDATA) {
    const tsdu = buf.readUInt16BE(14);
    if (at + tsdu !== buf.length) return "short";
    packet.data = buf.subarray(at, at + tsdu);
  }
  return packet;
}

/** Walks the option list at `at`, keeping a NAK's or NCF's list in `packet`; returns where it ends. */
function skipOptions(buf: Buffer, at: number, packet: PgmPacket): number | PgmDecodeError {
  if (at + 4 > buf.length || buf[at] !== OPT_LENGTH || buf[at + 1] !== 4) return "options";
  const total = buf.readUInt16BE(at + 2);
  const end = at + total;
  if (total < 4 || end > buf.length) return "options";
  let p = at + 4;
  for (;;) {
    if (p + 2 > end) return "options";
    const type = buf[p]!;
    const length = buf[p + 1]!;
    if (length < 2 || p + length > end) return "options";
    if ((type & OPT_TYPE_MASK) === OPT_FRAGMENT) return "fragment";
    if ((type & OPT_TYPE_MASK) === OPT_NAK_LIST && (packet.type === PGM_NAK || packet.type === PGM_NCF)) {
      // Type, length, a flags octet and a reserved one, then the sqns.
      if (length < 8 || (length - 4) % 4 !== 0) return "options";
      const list: number[] = [];
      for (let q = p + 4; q < p + length; q += 4) list.push(buf.readUInt32BE(q));
      packet.nakList = list;
    }
    p += length;
    if ((type & OPT_END) !== 0) break;
  }
  return p === end ? end : "options";
}

const EMPTY = Buffer.alloc(0);
const NO_SQNS: number[] = [];

/** The session an endpoint sends as: its TSI and the ports of its packets. */
export interface PgmSource {
  /** 6 octets. */
  gsi: Buffer;
  sourcePort: number;
  destinationPort: number;
}

function header(source: PgmSource, type: number, size: number, tsdu: number, swap: boolean): Buffer {
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(swap ? source.destinationPort : source.sourcePort, 0);
  buf.writeUInt16BE(swap ? source.sourcePort : source.destinationPort, 2);
  buf[4] = type;
  buf[5] = 0;
  source.gsi.copy(buf, 8, 0, 6);
  buf.writeUInt16BE(tsdu, 14);
  return buf;
}

function sealed(buf: Buffer): Buffer {
  buf.writeUInt16BE(pgmChecksum(buf), 6);
  return buf;
}

/** An ODATA (or RDATA) packet carrying `tsdu`. */
export function encodeData(source: PgmSource, type: number, sqn: number, trail: number, tsdu: Buffer): Buffer {
  const buf = header(source, type, PGM_DATA_HEADER + tsdu.length, tsdu.length, false);
  buf.writeUInt32BE(sqn >>> 0, 16);
  buf.writeUInt32BE(trail >>> 0, 20);
  tsdu.copy(buf, PGM_DATA_HEADER);
  return sealed(buf);
}

/** An SPM: the window's edges and the NLA where NAKs go. */
export function encodeSpm(source: PgmSource, sqn: number, trail: number, lead: number, nla: string): Buffer {
  const buf = header(source, PGM_SPM, PGM_HEADER + 20, 0, false);
  buf.writeUInt32BE(sqn >>> 0, 16);
  buf.writeUInt32BE(trail >>> 0, 20);
  buf.writeUInt32BE(lead >>> 0, 24);
  writeNla(buf, 28, nla);
  return sealed(buf);
}

/** Octets of an OPT_LENGTH and an OPT_NAK_LIST of `listed` sqns (none when the list is empty). */
function nakListOptionLength(listed: number): number {
  return listed === 0 ? 0 : 4 + 4 + 4 * listed;
}

/** The octets of a NAK or NCF naming `count` sqns (its own and `count` - 1 in an OPT_NAK_LIST), IP and UDP headers not counted; 0 for none. */
export function nakOrNcfLength(count: number): number {
  return count === 0 ? 0 : PGM_HEADER + 20 + nakListOptionLength(count - 1);
}

/** The most sqns an OPT_NAK_LIST holds: its length is one octet (OpenPGM refuses a NAK claiming more). */
export const MAX_NAK_LIST = 62;

/**
 * A NAK (receiver to source: ports swapped, the source's GSI) or an NCF
 * (source to group) for `sqn`, and for each sqn of `list` in an OPT_NAK_LIST
 * (at most {@link MAX_NAK_LIST}), as OpenPGM sends both.
 */
export function encodeNakOrNcf(source: PgmSource, type: number, sqn: number, sourceNla: string, groupNla: string, list: readonly number[] = NO_SQNS): Buffer {
  if (list.length > MAX_NAK_LIST) throw new RangeError(`An OPT_NAK_LIST holds at most ${MAX_NAK_LIST} sqns, not ${list.length}`);
  const buf = header(source, type, nakOrNcfLength(1 + list.length), 0, type === PGM_NAK);
  buf.writeUInt32BE(sqn >>> 0, 16);
  writeNla(buf, 20, sourceNla);
  writeNla(buf, 28, groupNla);
  if (list.length > 0) {
    // OPT_PRESENT | OPT_NETWORK: a NAK list is network-significant (RFC 3208 §8), as OpenPGM flags it.
    buf[5] = OPT_PRESENT | OPT_NETWORK;
    const at = PGM_HEADER + 20;
    buf[at] = OPT_LENGTH;
    buf[at + 1] = 4;
    buf.writeUInt16BE(nakListOptionLength(list.length), at + 2);
    buf[at + 4] = OPT_END | OPT_NAK_LIST;
    buf[at + 5] = 4 + 4 * list.length;
    list.forEach((s, i) => buf.writeUInt32BE(s >>> 0, at + 8 + 4 * i));
  }
  return sealed(buf);
}

/** `a - b` in sequence-number space (RFC 3208's modular arithmetic), as a signed 32-bit number. */
export function sqnDiff(a: number, b: number): number {
  return (a - b) | 0;
}
