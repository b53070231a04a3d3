// A CommonJS program: the packages by `require`.
"use strict";
require("reflect-metadata");
const core = require("@skein/core");
const codec = require("@skein/codec");
const patterns = require("@skein/patterns");
const service = require("@skein/service");
const inversify = require("inversify");
const { exercise } = require("./exercise.cjs");

exercise("cjs", { core, codec, patterns, service, inversify }).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
