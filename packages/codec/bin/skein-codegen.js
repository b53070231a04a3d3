#!/usr/bin/env node
// Entry of the `skein-codegen` command. Kept outside dist/ so the package
// manager can link it before the package is built; the code is in dist/.
import { main } from "../dist/codegen/cli.js";

process.exitCode = main(process.argv.slice(2));
