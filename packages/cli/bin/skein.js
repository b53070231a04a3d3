#!/usr/bin/env node
// Entry of the `skein` command. Kept outside dist/ so the package manager can
// link it before the package is built; the code is in dist/.
import { main } from "../dist/main.js";

process.exitCode = await main(process.argv.slice(2));
