/**
 * mechanism/tweetnacl.ts in a browser (core's package.json maps it here for the
 * `browser` field): a page has no `require`, so its bundle takes TweetNaCl in
 * with a static import.
 */
import naclModule from "tweetnacl";

/** TweetNaCl's module object. */
export type Nacl = typeof naclModule;

/** TweetNaCl, bundled with the page. */
export function tweetnacl(): Nacl {
  return naclModule;
}
