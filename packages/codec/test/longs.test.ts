/**
 * 64-bit integer fields arrive as the generated types say: `bigint`,
 * `number` or `string` (the `longs` option), never a protobufjs `Long`
 * behind another type; encoding takes them back without losing a bit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodecError, generateTypeScript, type LongRepresentation, TypeRegistry } from "../src/index.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(packageDir, "../..");
const tsc = join(repoRoot, "node_modules/.bin/tsc");

const WIDE_PROTO = `
syntax = "proto3";
package wide;
message Wide {
  int64 i64 = 1;
  uint64 u64 = 2;
  sint64 s64 = 3;
  fixed64 f64 = 4;
  sfixed64 sf64 = 5;
  repeated int64 many = 6;
  map<string, uint64> byName = 7;
  optional sint64 maybe = 8;
  Wide inner = 9;
  map<int64, string> byId = 10;
}
`;

/** Values no JavaScript number holds exactly, at the edges of each type's range. */
const EXTREMES = {
  i64: -(2n ** 63n),
  u64: 2n ** 64n - 1n,
  s64: 2n ** 63n - 1n,
  f64: 2n ** 53n + 1n,
  sf64: -(2n ** 53n) - 3n,
} as const;

const registry = (longs?: LongRepresentation) => new TypeRegistry(longs === undefined ? {} : { longs }).registerProto(WIDE_PROTO);

describe("64-bit integer fields", () => {
  it("decode as bigint by default, exactly, beyond 2^53, in every 64-bit type, repeated, map, optional and nested", () => {
    const codec = registry().codec<Record<string, unknown>>("wide.Wide");
    const value = { ...EXTREMES, many: [2n ** 62n, -1n], byName: { a: 2n ** 60n + 7n }, maybe: -(2n ** 60n), inner: { u64: 2n ** 63n }, byId: { "-9223372036854775808": "min" } };
    const decoded = codec.decode(codec.encode(value));
    expect(decoded).toMatchObject(value);
    for (const key of Object.keys(EXTREMES)) expect(typeof decoded[key]).toBe("bigint");
    // Unset fields read as their default in the same type.
    const empty = codec.decode(codec.encode({}));
    expect(empty.i64).toBe(0n);
    expect(empty.f64).toBe(0n);
  });

  it("decode as exact decimal strings with longs: \"string\"", () => {
    const codec = registry("string").codec<Record<string, unknown>>("wide.Wide");
    const decoded = codec.decode(codec.encode({ ...EXTREMES, many: ["18446744073709551615".slice(1)] }));
    for (const [key, value] of Object.entries(EXTREMES)) expect(decoded[key]).toBe(value.toString());
    expect(decoded.many).toEqual(["8446744073709551615"]);
    expect(codec.decode(codec.encode({})).u64).toBe("0");
  });

  it("decode as numbers with longs: \"number\", and refuse to round a value beyond 2^53 - 1", () => {
    const codec = registry("number").codec<Record<string, unknown>>("wide.Wide");
    const safe = { i64: -Number.MAX_SAFE_INTEGER, u64: Number.MAX_SAFE_INTEGER, s64: -5, f64: 7, sf64: -7 };
    const decoded = codec.decode(codec.encode(safe));
    expect(decoded).toMatchObject(safe);
    expect(codec.decode(codec.encode({})).i64).toBe(0);
    const unsafe = codec.encode({ u64: 2n ** 53n });
    expect(() => codec.decode(unsafe)).toThrow(expect.objectContaining({ code: "ERR_CODEC_UNSAFE_INTEGER" }));
  });

  it("encode refuses values outside their type's range or not integers, naming the field", () => {
    const codec = registry().codec<Record<string, unknown>>("wide.Wide");
    for (const value of [{ u64: -1n }, { i64: 2n ** 63n }, { sf64: -(2n ** 63n) - 1n }, { f64: "12x" }, { many: [1n, 2n ** 64n] }]) {
      let error: unknown;
      try {
        codec.encode(value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CodecError);
      expect(error).toMatchObject({ code: "ERR_CODEC_INVALID_MESSAGE", message: expect.stringContaining(Object.keys(value)[0]!) });
    }
  });

  it("encode leaves the caller's object as it was", () => {
    const codec = registry().codec<Record<string, unknown>>("wide.Wide");
    const value = { u64: 5n, many: [1n], inner: { i64: 2n } };
    codec.encode(value);
    expect(value).toEqual({ u64: 5n, many: [1n], inner: { i64: 2n } });
  });

  describe("generated code", () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(packageDir, "test/.longs-"));
      writeFileSync(join(work, "wide.proto"), WIDE_PROTO);
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** Code that only compiles if `Wide`'s 64-bit fields have type `T`. */
    const consumer = (module: string, type: string, wrong: string) => `
import { Wide } from "./${module}.js";
export function check(bytes: Uint8Array): ${type}[] {
  const wide = Wide.decode(bytes);
  const all: ${type}[] = [wide.i64, wide.u64, wide.s64, wide.f64, wide.sf64, ...wide.many, ...Object.values(wide.byName)];
  // @ts-expect-error a 64-bit field is not a ${wrong}
  const notWrong: ${wrong} = wide.u64;
  void notWrong;
  return all;
}
`;

    for (const [longs, wrong] of [["bigint", "number"], ["number", "bigint"], ["string", "bigint"]] as const) {
      it(`with --longs ${longs} types every 64-bit field ${longs}, and decodes it as one`, async () => {
        const module = `wide-${longs}`;
        const [generated] = generateTypeScript([join(work, "wide.proto")], {
          longs,
          index: false,
          runtimeModule: pathToFileURL(join(packageDir, "src/index.ts")).pathname,
        });
        expect(generated!.contents).toContain(`u64: ${longs};`);
        expect(generated!.contents).not.toContain("Long");
        writeFileSync(join(work, `${module}.ts`), generated!.contents);
        writeFileSync(join(work, `use-${module}.ts`), consumer(module, longs, wrong));
        writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module", private: true }));
        writeFileSync(join(work, "tsconfig.json"), JSON.stringify({
          compilerOptions: {
            target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2023"], strict: true, noEmit: true,
            skipLibCheck: true, allowImportingTsExtensions: true, types: ["node"], typeRoots: [join(repoRoot, "node_modules/@types")],
          },
          include: [`${module}.ts`, `use-${module}.ts`],
        }));
        const check = spawnSync(tsc, ["-p", join(work, "tsconfig.json")], { encoding: "utf8" });
        expect(check.stdout + check.stderr).toBe("");
        expect(check.status).toBe(0);

        const { Wide } = (await import(pathToFileURL(join(work, `${module}.ts`)).href)) as { Wide: { encode(v: unknown): Buffer; decode(b: Uint8Array): Record<string, unknown> } };
        const { check: read } = (await import(pathToFileURL(join(work, `use-${module}.ts`)).href)) as { check(b: Uint8Array): unknown[] };
        const small = { i64: -3, u64: 4, s64: -5, f64: 6, sf64: -7, many: [8], byName: { x: 9 } };
        const values = read(Wide.encode(small));
        expect(values).toHaveLength(7);
        for (const value of values) expect(typeof value).toBe(longs);
      });
    }
  });
});
