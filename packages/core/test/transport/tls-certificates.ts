/**
 * Certificates for wss:// tests, made on the spot: a key pair from
 * `node:crypto` and a self-signed X.509 certificate from the `openssl`
 * command (Node 20 has no X.509 builder). Nothing is read from disk but
 * what this writes to a fresh temporary folder.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSigned {
  /** The private key, PEM (PKCS#8). */
  keyPem: string;
  /** The certificate, PEM: trust it with `wssTrustPem`. */
  certPem: string;
}

/**
 * A self-signed certificate whose subjectAltName lists `names` (DNS names
 * and IP addresses), valid for a day.
 */
export function selfSigned(names: readonly string[] = ["localhost", "127.0.0.1"]): SelfSigned {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const folder = mkdtempSync(join(tmpdir(), "skein-tls-"));
  try {
    const keyFile = join(folder, "key.pem");
    const certFile = join(folder, "cert.pem");
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    const altNames = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(",");
    execFileSync("openssl", ["req", "-x509", "-new", "-key", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${altNames}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    return { keyPem, certPem: readFileSync(certFile, "utf8") };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
