/**
 * A whole CURVE handshake (HELLO, WELCOME, INITIATE, READY: four X25519
 * operations on each side, plus the boxes) between a client and a server
 * mechanism in memory, and the X25519 operations it is made of, with
 * whichever library curve-box.ts uses once libsodium has loaded (as in any
 * process after its first CURVE connection).
 * Run: `npx vitest bench --run packages/core/bench/curve-handshake.bench.ts`.
 */
import { bench, describe } from "vitest";
import { CurveMechanism } from "../src/mechanism/curve.js";
import { curveBackend, generateKeyPair, loadFastCurve, precompute } from "../src/mechanism/curve-box.js";
import { securityOptions, TestHost, type HostSetup } from "../test/mechanism/mechanism-pair.js";

await loadFastCurve();
const library = curveBackend().library;

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const client = {
  asServer: false,
  security: securityOptions({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey }),
};
const server = { asServer: true, security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }) };

function side(setup: HostSetup): TestHost {
  const host = new TestHost(setup);
  host.mechanism = new CurveMechanism(host);
  host.mechanism.start();
  return host;
}

/** Hands each command over directly (no event-loop turns between them), so the time is the mechanisms' own. */
async function curveHandshake(): Promise<void> {
  const c = side(client);
  const s = side(server);
  const hand = (from: TestHost, to: TestHost, index: number): void => {
    const command = from.sent[index]!;
    to.mechanism.onCommand(command.name, command.data);
  };
  hand(c, s, 0); // HELLO
  hand(s, c, 0); // WELCOME
  hand(c, s, 1); // INITIATE; the server then asks ZAP (none here) before READY
  for (let turn = 0; s.sent.length < 2 && turn < 10; turn++) await Promise.resolve();
  hand(s, c, 1); // READY
  if (c.succeeded === null || s.succeeded === null) throw new Error("the handshake did not complete");
}

describe(`CURVE handshake (${library})`, () => {
  bench("client + server handshake", curveHandshake);
  bench("generateKeyPair", () => {
    generateKeyPair();
  });
  bench("precompute (crypto_box_beforenm)", () => {
    precompute(serverKeys.publicKey, clientKeys.secretKey);
  });
});
