// Benchmark (not a test): precomputed-key NaCl box / box-open, the CURVE
// MESSAGE hot path, for the crypto libraries we considered. Run from the
// repo root with `node packages/core/bench/curve-box.bench.mjs`. It prints
// operations per second; it never fails on timing.
import { randomBytes } from "node:crypto";
import { Bench } from "tinybench";
import nacl from "tweetnacl";
import sodium from "libsodium-wrappers";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

await sodium.ready;

const alice = nacl.box.keyPair();
const bob = nacl.box.keyPair();
const nonce = new Uint8Array(randomBytes(24));

// NaCl crypto_box_beforenm = HSalsa20(X25519(sk, pk), 0^16) with sigma.
const SIGMA = new Uint32Array(new Uint8Array(Buffer.from("expand 32-byte k", "latin1")).buffer);
function nobleBeforenm(secretKey, publicKey) {
  const shared = x25519.getSharedSecret(secretKey, publicKey);
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(shared.buffer, shared.byteOffset, 8), new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}

const tweetKey = nacl.box.before(bob.publicKey, alice.secretKey);
const sodiumKey = sodium.crypto_box_beforenm(bob.publicKey, alice.secretKey);
const nobleKey = nobleBeforenm(alice.secretKey, bob.publicKey);
if (Buffer.compare(Buffer.from(tweetKey), Buffer.from(nobleKey)) !== 0) throw new Error("noble and tweetnacl disagree on beforenm");
if (Buffer.compare(Buffer.from(tweetKey), Buffer.from(sodiumKey)) !== 0) throw new Error("libsodium and tweetnacl disagree on beforenm");

for (const size of [16, 1024]) {
  const message = new Uint8Array(randomBytes(size));
  const tweetBox = nacl.box.after(message, nonce, tweetKey);
  const sodiumBox = sodium.crypto_box_easy_afternm(message, nonce, sodiumKey);
  const nobleBox = xsalsa20poly1305(nobleKey, nonce).encrypt(message);
  if (Buffer.compare(Buffer.from(tweetBox), Buffer.from(nobleBox)) !== 0) throw new Error("noble box differs");
  if (Buffer.compare(Buffer.from(tweetBox), Buffer.from(sodiumBox)) !== 0) throw new Error("libsodium box differs");

  const bench = new Bench({ time: 500, warmupTime: 100 });
  bench
    .add(`tweetnacl box.after ${size} B`, () => nacl.box.after(message, nonce, tweetKey))
    .add(`tweetnacl box.open.after ${size} B`, () => nacl.box.open.after(tweetBox, nonce, tweetKey))
    .add(`noble xsalsa20poly1305 encrypt ${size} B`, () => xsalsa20poly1305(nobleKey, nonce).encrypt(message))
    .add(`noble xsalsa20poly1305 decrypt ${size} B`, () => xsalsa20poly1305(nobleKey, nonce).decrypt(nobleBox))
    .add(`libsodium crypto_box_easy_afternm ${size} B`, () => sodium.crypto_box_easy_afternm(message, nonce, sodiumKey))
    .add(`libsodium crypto_box_open_easy_afternm ${size} B`, () => sodium.crypto_box_open_easy_afternm(sodiumBox, nonce, sodiumKey));
  await bench.run();
  console.table(bench.table());
}

const handshake = new Bench({ time: 500, warmupTime: 100 });
handshake
  .add("tweetnacl box.before (X25519 + HSalsa20)", () => nacl.box.before(bob.publicKey, alice.secretKey))
  .add("noble x25519 + hsalsa", () => nobleBeforenm(alice.secretKey, bob.publicKey))
  .add("libsodium crypto_box_beforenm", () => sodium.crypto_box_beforenm(bob.publicKey, alice.secretKey));
await handshake.run();
console.table(handshake.table());
