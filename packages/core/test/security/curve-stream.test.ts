/**
 * CURVE between two skein sockets (RFC 26): a long run of messages of mixed
 * sizes (0 B, 1 KiB, 100 KiB), each boxed with its own nonce, arrives intact
 * and in order. (inproc has no security mechanism, as in libzmq, so this runs
 * over tcp.)
 */
import { createHash } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Sockets, bindFresh, skein } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const SIZES = [0, 1024, 100 * 1024];
const COUNT = 1000;

/** Message `i`: a sequence frame and a body of a size from SIZES whose bytes depend on `i`. */
function message(i: number): [Buffer, Buffer] {
  const body = Buffer.alloc(SIZES[i % SIZES.length]!);
  for (let at = 0; at < body.length; at += 1) body[at] = (at * 31 + i) & 0xff;
  return [Buffer.from(String(i)), body];
}

it("1000 CURVE messages of 0 B, 1 KiB and 100 KiB between skein sockets arrive intact and in order", async () => {
  const serverKeys = skein.curveKeyPair();
  const clientKeys = skein.curveKeyPair();
  const pull = sockets.add(new skein.Pull({ curveServer: true, curveSecretKey: serverKeys.secretKey }));
  const push = sockets.add(
    new skein.Push({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey }),
  );
  push.connect(await bindFresh(pull, "tcp"));

  const sending = (async () => {
    for (let i = 0; i < COUNT; i++) await push.send(message(i));
  })();
  const expectedDigest = createHash("sha256");
  const receivedDigest = createHash("sha256");
  for (let i = 0; i < COUNT; i++) {
    const got = await pull.receive();
    const [seq, body] = message(i);
    expect(got.length).toBe(2);
    expect(got[0]!.toString()).toBe(seq.toString());
    expect(got[1]!.length).toBe(body.length);
    expectedDigest.update(body);
    receivedDigest.update(got[1]!);
  }
  await sending;
  expect(receivedDigest.digest("hex")).toBe(expectedDigest.digest("hex"));
});
