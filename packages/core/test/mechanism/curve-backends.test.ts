import { expect, test } from "vitest";
import {
  curveBackend,
  generateKeyPair,
  loadFastCurve,
  openMessage,
  precompute,
  sealWithHeader,
} from "../../src/mechanism/curve-box.js";

test("MESSAGE boxes are the same bytes from TweetNaCl and from libsodium, and each opens the other's", async () => {
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  const key = precompute(bob.publicKey, alice.secretKey);
  const nonce = Buffer.alloc(24, 7);
  const data = Buffer.from("a frame of application data".repeat(40));

  expect(curveBackend().library).toBe("tweetnacl");
  const byTweetnacl = sealWithHeader(key, nonce, 1, data);

  expect(await loadFastCurve()).toBe(true);
  expect(curveBackend().library).toBe("libsodium");
  const bySodium = sealWithHeader(key, nonce, 1, data);

  // Both leave 16 header bytes for the caller, then the same tag and ciphertext.
  expect(bySodium.subarray(16)).toEqual(byTweetnacl.subarray(16));
  const opened = openMessage(precompute(alice.publicKey, bob.secretKey), nonce, byTweetnacl.subarray(16));
  expect(opened?.flags).toBe(1);
  expect(opened?.data).toEqual(data);

  const tampered = Buffer.from(bySodium.subarray(16));
  tampered[20]! ^= 1;
  expect(openMessage(key, nonce, tampered)).toBeNull();
});
