/**
 * CURVE MESSAGE hot path through the mechanism itself (nonce, flags, box,
 * framing), after an in-memory handshake. Run: `npx vitest bench packages/core/bench/curve-message.bench.ts`.
 */
import { bench, describe } from "vitest";
import { CurveMechanism } from "../src/mechanism/curve.js";
import { generateKeyPair } from "../src/mechanism/curve-box.js";
import { handshake, securityOptions } from "../test/mechanism/mechanism-pair.js";

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const pair = await handshake(
  (host) => new CurveMechanism(host),
  {
    asServer: false,
    security: securityOptions({
      curveServerKey: serverKeys.publicKey,
      curvePublicKey: clientKeys.publicKey,
      curveSecretKey: clientKeys.secretKey,
    }),
  },
  { asServer: true, security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }) },
);
const client = pair.client.mechanism as CurveMechanism;
const server = pair.server.mechanism as CurveMechanism;

for (const size of [16, 1024]) {
  describe(`CURVE MESSAGE ${size} B`, () => {
    const data = Buffer.alloc(size, 7);
    bench("encryptFrame", () => {
      client.encryptFrame(data, false);
    });
    bench("encrypt + decrypt", () => {
      server.decrypt(client.encrypt(data, false));
    });
  });
}
