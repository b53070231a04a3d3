#!/usr/bin/env node
// `npm create skein <name> [-- --packages DIR]`: npm runs this package's command, which is
// `skein new` of @skein/cli (the project, its options and its errors are that command's).
import { main } from "@skein/cli";

process.exitCode = await main(["new", ...process.argv.slice(2)]);
