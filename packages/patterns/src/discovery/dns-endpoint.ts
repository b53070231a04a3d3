/**
 * Endpoints that name every instance of a service through DNS, beside the
 * plain ZeroMQ ones (`tcp://host:port`, where a host name is one address):
 *
 * - `tcp+dns://greeter.default.svc.cluster.local:5701`: every A and AAAA
 *   address of the name, each on port 5701 (gRPC's `dns:///` name with
 *   round-robin; a Kubernetes headless Service has one A record per ready pod).
 * - `tcp+srv://_rpc._tcp.greeter.default.svc.cluster.local`: every target of
 *   the SRV records (RFC 2782) of the lowest priority, each on the port of
 *   its record, each target's every address.
 *
 * `ws+dns://host:port/path` and `ws+srv://name/path` do the same for `ws://`.
 * The scheme-plus-discovery form is the one of `mongodb+srv://`: one word in
 * config, in a comma-separated `SKEIN_*` variable and on a command line.
 */
import { PatternError } from "../errors.js";

/** Transports a name may resolve to (`wss://` needs the name for TLS, so it cannot take an address). */
const TRANSPORTS = new Set(["tcp", "ws"]);

/** An endpoint string as written: used as it is, or a DNS name to resolve to many. */
export type DnsEndpoint =
  | {
      /** A plain ZeroMQ endpoint, connected as written. */
      readonly kind: "static";
      /** The endpoint. */
      readonly address: string;
    }
  | {
      /** `<transport>+dns://name:port[/path]`: every A/AAAA address of `name`. */
      readonly kind: "dns";
      /** As written. */
      readonly address: string;
      /** `tcp` or `ws`. */
      readonly transport: string;
      /** The DNS name. */
      readonly name: string;
      /** Port of every address. */
      readonly port: number;
      /** `ws`: the path (with its leading `/`); `tcp`: `""`. */
      readonly path: string;
    }
  | {
      /** `<transport>+srv://_service._proto.name[/path]`: targets and ports of the SRV records. */
      readonly kind: "srv";
      /** As written. */
      readonly address: string;
      /** `tcp` or `ws`. */
      readonly transport: string;
      /** The SRV name. */
      readonly name: string;
      /** `ws`: the path; `tcp`: `""`. */
      readonly path: string;
    };

/** Longest DNS name (RFC 1035 §2.3.4: 255 octets on the wire, 253 as text). */
const MAX_NAME = 253;
const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/**
 * Parses an endpoint string. A `+dns` or `+srv` one is checked (transport,
 * name, port) and throws {@link PatternError} `EINVAL` saying what is wrong;
 * any other is returned as `static`, for the socket to check on connect.
 */
export function parseDnsEndpoint(address: string): DnsEndpoint {
  const match = /^([a-z]+)\+(dns|srv):\/\/([^/]*)(\/.*)?$/.exec(address);
  if (match === null) {
    if (/^[a-z]+\+(dns|srv):/i.test(address)) throw invalid(address, "write it as tcp+dns://name:port or tcp+srv://name");
    return { kind: "static", address };
  }
  const [, transport, mode, authority, path = ""] = match as unknown as [string, string, "dns" | "srv", string, string | undefined];
  if (!TRANSPORTS.has(transport)) {
    throw invalid(address, `${transport}+${mode}:// is not supported: a name resolves to tcp:// or ws:// endpoints (wss:// needs the name itself for TLS: use wss://name:port)`);
  }
  if (transport === "tcp" && path !== "") throw invalid(address, "a tcp endpoint has no path");
  if (mode === "srv") {
    if (authority.includes(":")) throw invalid(address, "an SRV name takes its ports from the records: remove the :port");
    return { kind: "srv", address, transport, name: checkName(address, authority), path: transport === "ws" && path === "" ? "/" : path };
  }
  const colon = authority.lastIndexOf(":");
  if (colon < 0) throw invalid(address, "the port is missing (tcp+dns://name:port)");
  const port = Number(authority.slice(colon + 1));
  if (!/^\d+$/.test(authority.slice(colon + 1)) || port < 1 || port > 65_535) throw invalid(address, "the port must be 1 to 65535");
  const name = checkName(address, authority.slice(0, colon));
  return { kind: "dns", address, transport, name, port, path: transport === "ws" && path === "" ? "/" : path };
}

/** Whether `address` names a DNS name to resolve (`+dns` or `+srv`), not one endpoint. */
export function isDnsEndpoint(address: string): boolean {
  return /^[a-z]+\+(dns|srv):\/\//i.test(address);
}

/** The endpoint of one resolved address: `tcp://10.0.0.7:5701`, `tcp://[fd00::7]:5701`, `ws://10.0.0.7:80/zmq`. */
export function formatEndpoint(transport: string, address: string, port: number, path: string): string {
  const host = address.includes(":") ? `[${address}]` : address;
  return `${transport}://${host}:${port}${path}`;
}

function checkName(address: string, name: string): string {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (bare.length === 0) throw invalid(address, "the DNS name is missing");
  if (bare.length > MAX_NAME) throw invalid(address, `the DNS name is longer than ${MAX_NAME} characters`);
  if (!bare.split(".").every((label) => LABEL.test(label))) {
    throw invalid(address, "a DNS name is labels of letters, digits, '-' and '_' separated by dots (an IP address needs no resolution: use tcp://)");
  }
  return name;
}

function invalid(address: string, why: string): PatternError {
  return new PatternError("EINVAL", `Invalid endpoint ${JSON.stringify(address)}: ${why}`);
}
