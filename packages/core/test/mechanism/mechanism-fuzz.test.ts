import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Mechanism, MechanismHost } from "../../src/mechanism/mechanism.js";
import { CurveMechanism } from "../../src/mechanism/curve.js";
import { PlainMechanism } from "../../src/mechanism/plain.js";
import { generateKeyPair } from "../../src/mechanism/curve-box.js";
import { handshake, lone, securityOptions, settle, zapReply, type HostSetup, type TestHost, type ZapHandler } from "./mechanism-pair.js";

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();

const ZAP_HANDLERS: ZapHandler[] = [
  null,
  () => zapReply("200", "user"),
  () => zapReply("400"),
  () => Promise.reject(new Error("handler crashed")),
];

interface Subject {
  name: string;
  create: (host: MechanismHost) => Mechanism;
  client: () => HostSetup;
  server: (zap: ZapHandler) => HostSetup;
}

const SUBJECTS: Subject[] = [
  {
    name: "PLAIN",
    create: (host) => new PlainMechanism(host),
    client: () => ({ asServer: false, security: securityOptions({ plainUsername: "user", plainPassword: "pass" }) }),
    server: (zap) => ({ asServer: true, security: securityOptions({ plainServer: true }), zap }),
  },
  {
    name: "CURVE",
    create: (host) => new CurveMechanism(host),
    client: () => ({
      asServer: false,
      security: securityOptions({
        curveServerKey: serverKeys.publicKey,
        curvePublicKey: clientKeys.publicKey,
        curveSecretKey: clientKeys.secretKey,
      }),
    }),
    server: (zap) => ({ asServer: true, security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }), zap }),
  },
];

const NAMES = ["HELLO", "WELCOME", "INITIATE", "READY", "ERROR", "MESSAGE", "PING", "SUBSCRIBE", ""];

/** A random command, or a mutation (bit flip, truncation, extension) of a genuine one. */
function commandArbitrary(genuine: { name: string; data: Buffer }[]) {
  const random = fc.record({
    name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })),
    data: fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
  });
  const mutated = fc
    .record({
      base: fc.constantFrom(...genuine),
      flip: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
      cut: fc.integer({ min: -8, max: 8 }),
      rename: fc.boolean(),
      name: fc.constantFrom(...NAMES),
    })
    .map(({ base, flip, bit, cut, rename, name }) => {
      let data = Buffer.from(base.data);
      if (data.length > 0) data[flip % data.length]! ^= 1 << bit;
      if (cut < 0) data = data.subarray(0, Math.max(0, data.length + cut));
      if (cut > 0) data = Buffer.concat([data, Buffer.alloc(cut, 0xa5)]);
      return { name: rename ? name : base.name, data };
    });
  const exact = fc.constantFrom(...genuine);
  return fc.oneof(random, mutated, exact);
}

for (const subject of SUBJECTS) {
  describe(`${subject.name} mechanism under random and mutated commands`, () => {
    it("never throws out of onCommand, fails at most once, and leaves nothing pending", async () => {
      // Genuine commands of both sides, from a complete handshake, to mutate.
      const reference = await handshake(subject.create, subject.client(), subject.server(() => zapReply("200")));
      expect(reference.server.succeeded).not.toBeNull();
      const genuine = [...reference.client.sent, ...reference.server.sent];

      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.integer({ min: 0, max: 2 }),
          fc.constantFrom(...ZAP_HANDLERS),
          fc.array(commandArbitrary(genuine), { minLength: 1, maxLength: 5 }),
          async (asServer, genuineSteps, zap, commands) => {
            const client = lone(subject.create, subject.client());
            const server = lone(subject.create, subject.server(zap));
            // Walk a genuine handshake part of the way so deeper states are fuzzed too.
            let delivered = 0;
            for (let step = 0; step < genuineSteps; step++) {
              const from = step % 2 === 0 ? client : server;
              const to = step % 2 === 0 ? server : client;
              const command = from.sent[delivered >> 1];
              if (command === undefined || from.failed !== null) break;
              to.mechanism.onCommand(command.name, command.data);
              await settle(to);
              delivered++;
            }
            const target: TestHost = asServer ? server : client;
            for (const command of commands) {
              expect(() => target.mechanism.onCommand(command.name, command.data)).not.toThrow();
            }
            await settle(target);
            expect(target.failures).toBeLessThanOrEqual(1);
            expect(target.idle).toBe(true);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
