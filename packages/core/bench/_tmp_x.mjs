import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import nacl from "tweetnacl";
const PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI = Buffer.from("302a300506032b656e032100", "hex");
const a = nacl.box.keyPair(), b = nacl.box.keyPair();
function dh(sk, pk) {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8, sk]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI, pk]), format: "der", type: "spki" });
  return diffieHellman({ privateKey, publicKey });
}
const x = dh(Buffer.from(a.secretKey), Buffer.from(b.publicKey));
console.log(Buffer.compare(x, Buffer.from(nacl.scalarMult(a.secretKey, b.publicKey))));
let t = performance.now(); for (let i = 0; i < 2000; i++) dh(Buffer.from(a.secretKey), Buffer.from(b.publicKey)); console.log("node dh us", (performance.now() - t) / 2);
t = performance.now(); for (let i = 0; i < 2000; i++) generateKeyPairSync("x25519").privateKey.export({format:"jwk"}); console.log("node keygen us", (performance.now() - t) / 2);
t = performance.now(); for (let i = 0; i < 200; i++) nacl.scalarMult(a.secretKey, b.publicKey); console.log("tweet dh us", (performance.now() - t) / 0.2);
