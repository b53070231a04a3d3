import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error TS7016: a plain ES module script of the repository, without declarations.
import { fileCycles, packageCycles, runtimeImports } from "../import-cycles.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(HERE, "..", "import-cycles.mjs");
const REPO = path.join(HERE, "..", "..");
const made: string[] = [];

/** A workspace in a temporary folder: packages/{name}/src/{file} = text. */
function workspace(packages: Record<string, { deps?: string[]; src: Record<string, string> }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "skein-cycles-"));
  made.push(root);
  for (const [name, { deps = [], src }] of Object.entries(packages)) {
    const dir = path.join(root, "packages", name);
    fs.mkdirSync(path.join(dir, "src"), { recursive: true });
    const dependencies = Object.fromEntries(deps.map((d) => [`@x/${d}`, "workspace:*"]));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `@x/${name}`, dependencies }));
    for (const [file, text] of Object.entries(src)) {
      fs.mkdirSync(path.dirname(path.join(dir, "src", file)), { recursive: true });
      fs.writeFileSync(path.join(dir, "src", file), text);
    }
  }
  return root;
}

function run(root: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(process.execPath, [SCRIPT, root], { encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    const e = error as { status: number; stderr: string };
    return { status: e.status, output: e.stderr };
  }
}

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the circular-import check (scripts/import-cycles.mjs)", () => {
  it("finds none in this repository's packages", () => {
    expect(run(REPO)).toMatchObject({ status: 0, output: expect.stringMatching(/^No circular imports/) });
  });

  it("fails on a cycle through static, dynamic and side-effect imports, naming the chain", () => {
    const root = workspace({
      core: {
        src: {
          "context.ts": 'import { ZapClient } from "./zap.js";\nexport const c = ZapClient;\n',
          "zap.ts": 'export class ZapClient {}\nexport async function dealer() {\n  return import("./socket/dealer.js");\n}\n',
          "socket/dealer.ts": 'import "./socket-base.js";\n',
          "socket/socket-base.ts": 'export { c } from "../context.js";\n',
          "alone.ts": 'import { c } from "./context.js";\nexport const d = c;\n',
        },
      },
    });
    const { status, output } = run(root);
    expect(status).toBe(1);
    expect(output).toContain("packages/core: context.ts -> zap.ts -> socket/dealer.ts -> socket/socket-base.ts -> context.ts");
    expect(output).not.toContain("alone.ts");
  });

  it("does not count imports the compiler erases: import type, export type, every name a type", () => {
    const root = workspace({
      core: {
        src: {
          "a.ts": 'import type { B } from "./b.js";\nimport { type C } from "./c.js";\nexport interface A { b: B; c: C }\n',
          "b.ts": 'import type { A } from "./a.js";\nexport type { A } from "./a.js";\nexport interface B { a: A }\n',
          "c.ts": 'import { type A } from "./a.js";\nexport interface C { a: A }\n// import { x } from "./a.js";\n/** import { y } from "./a.js" */\n',
        },
      },
    });
    expect(fileCycles(path.join(root, "packages", "core", "src"))).toEqual([]);
    expect(run(root).status).toBe(0);
  });

  it("fails on packages that depend on each other", () => {
    const root = workspace({ core: { deps: ["service"], src: {} }, service: { deps: ["core"], src: {} } });
    expect(packageCycles(path.join(root, "packages"))).toEqual([["@x/core", "@x/service", "@x/core"]]);
    expect(run(root)).toMatchObject({ status: 1, output: expect.stringContaining("package dependencies: @x/core -> @x/service -> @x/core") });
  });

  it("reads the import forms a source uses", () => {
    const text = [
      'import { a } from "./a.js";',
      'import * as b from "./b.js";',
      'import c, { type D } from "./c.js";',
      'import {\n  e,\n  f,\n} from "./ef.js";',
      'export * from "./g.js";',
      'export { h } from "./h.js";',
      'import "./side-effect.js";',
      'const lazy = () => import("./lazy.js");',
      'import core = require("./index.js");',
      'import type { T } from "./types.js";',
      'import { x } from "node:fs";',
    ].join("\n");
    expect(runtimeImports(text)).toEqual(["./a.js", "./b.js", "./c.js", "./ef.js", "./g.js", "./h.js", "./side-effect.js", "./lazy.js", "./index.js"]);
  });
});
