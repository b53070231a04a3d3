/**
 * TweetNaCl, loaded on first use: CURVE's fallback library (mechanism/curve-box.ts)
 * is a 30 kB CommonJS file that a program without CURVE never needs, and importing
 * it with the package cost every `import "@skein/core"` its read, parse and
 * CommonJS export scan. The browser entry, which has no `require`, gets
 * tweetnacl.browser.ts through the package's `browser` field instead.
 */
import type naclModule from "tweetnacl";
import { lazyRequire } from "../util/lazy-require.js";

/** TweetNaCl's module object. */
export type Nacl = typeof naclModule;

/** TweetNaCl, required on the first call (synchronously: CURVE's calls stay synchronous). */
export const tweetnacl: () => Nacl = lazyRequire<Nacl>("tweetnacl");
