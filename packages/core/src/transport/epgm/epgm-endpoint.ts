/**
 * epgm:// endpoints, as libzmq writes them: `epgm://interface;group:port`,
 * the interface an IPv4 address or a network interface name, the group an
 * IPv4 multicast address. The port is both PGM's data port and the UDP
 * port of the encapsulation (libzmq sets OpenPGM's encapsulation ports to it).
 */
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { ZmqError } from "../../errors.js";
import type { Endpoint } from "../endpoint.js";

export interface EpgmEndpoint extends Endpoint {
  readonly transport: "epgm";
  /** The IPv4 address of the interface that sends and joins. */
  readonly iface: string;
  readonly group: string;
  readonly port: number;
}

function isMulticastV4(ip: string): boolean {
  if (isIP(ip) !== 4) return false;
  const first = Number(ip.slice(0, ip.indexOf(".")));
  return first >= 224 && first <= 239;
}

function interfaceAddress(name: string, address: string): string {
  if (isIP(name) === 4) return name;
  const entries = networkInterfaces()[name];
  const v4 = entries?.find((entry) => entry.family === "IPv4");
  if (v4 === undefined) throw new ZmqError("ENODEV", `No IPv4 interface ${JSON.stringify(name)} for ${address}`, address);
  return v4.address;
}

/** Parses what follows `epgm://`; throws `EINVAL` (malformed) or `ENODEV` (unknown interface). */
export function parseEpgm(address: string, rest: string): EpgmEndpoint {
  const match = /^([^;]+);([^:]+):(\d{1,5})$/.exec(rest);
  if (match === null) throw new ZmqError("EINVAL", `Invalid epgm address ${JSON.stringify(address)}: expected epgm://interface;group:port`, address);
  const [, name, group, portText] = match as unknown as [string, string, string, string];
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new ZmqError("EINVAL", `Invalid port in ${JSON.stringify(address)}`, address);
  if (!isMulticastV4(group)) throw new ZmqError("EINVAL", `epgm:// needs an IPv4 multicast group, not ${JSON.stringify(group)}`, address);
  return { transport: "epgm", address, iface: interfaceAddress(name, address), group, port };
}
