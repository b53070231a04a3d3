import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { COMMANDS } from "../src/main.js";
import { ExitCode } from "../src/exit-code.js";
import { runSkein } from "./skein-process.js";

test.each(COMMANDS.map((command) => command.name))("skein %s --help prints its usage and an example, with exit code 0", async (name) => {
  const { code, stdout } = await runSkein([name, "--help"]);
  expect(code).toBe(0);
  expect(stdout).toContain(`usage: skein${name === "gen" ? "-codegen" : ` ${name}`}`);
  if (name !== "gen") expect(stdout).toContain(`example:\n  skein ${name}`);
});

test("skein with no command prints every command on stderr and exits with 2", async () => {
  const { code, stderr } = await runSkein([]);
  expect(code).toBe(2);
  for (const command of COMMANDS) expect(stderr).toContain(`  ${command.name} `);
});

test("the README documents every command, its example, and every exit code", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  for (const command of COMMANDS) {
    expect(readme).toContain(`### \`skein ${command.name}\``);
    const example = /example:\n {2}(.+)/.exec(command.usage)?.[1];
    if (example !== undefined) expect(readme).toContain(example);
  }
  for (const [name, code] of Object.entries(ExitCode)) expect(readme, name).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
});

test.each([
  ["from the root", ["exec", "skein", "version"]],
  ["with --filter @skein/cli", ["--filter", "@skein/cli", "exec", "skein", "version"]],
])("pnpm exec finds the skein command in the repository %s, as the READMEs say", async (_, args) => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const { stdout } = await promisify(execFile)("npx", ["-y", "pnpm@12.21.0", ...args], { cwd: root });
  expect(stdout).toMatch(/^skein \d+\.\d+\.\d+ \(ZMTP 3\.1/m);
});
