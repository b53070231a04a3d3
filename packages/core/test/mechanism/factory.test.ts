import { describe, expect, it } from "vitest";
import { Dealer, Pull, Push, curveKeyPair } from "../../src/index.js";
import { nextEvent, socketScope } from "../helpers.js";

const open = socketScope();

describe("Mechanism table", () => {
  it("a socket's options choose its mechanism: CURVE over PLAIN over NULL, server or client", () => {
    const { publicKey, secretKey } = curveKeyPair();
    const cases: [Record<string, unknown>, string | null, { name: string; asServer: boolean }][] = [
      [{}, null, { name: "NULL", asServer: false }],
      [{ plainServer: true }, "plain", { name: "PLAIN", asServer: true }],
      [{ plainUsername: "user", plainPassword: "pass" }, "plain", { name: "PLAIN", asServer: false }],
      [{ curveServer: true, curveSecretKey: secretKey }, "curve", { name: "CURVE", asServer: true }],
      [{ curveServerKey: publicKey, curvePublicKey: publicKey, curveSecretKey: secretKey }, "curve", { name: "CURVE", asServer: false }],
      [{ plainUsername: "user", curveServerKey: publicKey, curvePublicKey: publicKey, curveSecretKey: secretKey }, "curve", { name: "CURVE", asServer: false }],
    ];
    for (const [options, mechanism, greeting] of cases) {
      const socket = open(new Dealer(options));
      expect(socket.securityMechanism).toBe(mechanism);
      expect(socket.greetingMechanism()).toEqual(greeting);
    }
  });

  it("the engine refuses a peer whose greeting names another mechanism", async () => {
    const pull = open(new Pull({ plainServer: true }));
    await pull.bind("tcp://127.0.0.1:*");
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    const { error } = await nextEvent(pull, "handshake:error:protocol");
    expect(error).toMatchObject({ code: "ERR_ZMTP_MECHANISM_MISMATCH", detail: "Peer uses the NULL mechanism, this socket PLAIN" });
  });
});
