/**
 * The CommonJS entry of @skein/core/draft-extra: `require("@skein/core/draft-extra")`
 * returns the ES module itself (Node's require(esm)), as the main entry does.
 */
if (!process.features.require_module) {
  throw Object.assign(
    new Error('require("@skein/core/draft-extra") needs Node 20.19+ or 22.12+ (require of an ES module); upgrade Node, or load it with import("@skein/core/draft-extra")'),
    { code: "ERR_REQUIRE_ESM" },
  );
}
/** @ts-ignore TS1471 under `module: node16`/`node18`, which model a Node without require(esm); Node 20.19+ has it. */
import extra = require("./draft-extra.js");
export = extra;
