// The same checks as one-copy.cjs, in the other order: import first, then require.
import "reflect-metadata";
import { createRequire } from "node:module";

const { checkOneCopy, importAll, requireAll } = createRequire(import.meta.url)("./one-copy.cjs");
const imported = await importAll();
await checkOneCopy(requireAll(), imported);
