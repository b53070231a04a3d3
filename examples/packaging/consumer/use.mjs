// An ES module program: the packages by `import`.
import "reflect-metadata";
import * as core from "@skein/core";
import * as codec from "@skein/codec";
import * as patterns from "@skein/patterns";
import * as service from "@skein/service";
import * as inversify from "inversify";
import { exercise } from "./exercise.cjs";

await exercise("mjs", { core, codec, patterns, service, inversify });
