/**
 * The CommonJS entry of @skein/patterns: `require("@skein/patterns")` returns the ES module itself
 * (Node's require(esm)), so a program that both requires and imports the package shares one
 * copy of its state and its classes. See docs/compat.md, "CommonJS".
 */
if (!process.features.require_module) {
  throw Object.assign(
    new Error('require("@skein/patterns") needs Node 20.19+ or 22.12+ (require of an ES module); upgrade Node, or load it with import("@skein/patterns")'),
    { code: "ERR_REQUIRE_ESM" },
  );
}
/** @ts-ignore TS1471 under `module: node16`/`node18`, which model a Node without require(esm); Node 20.19+ has it. */
import patterns = require("./index.js");
export = patterns;
