import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodecError, generateTypeScript } from "../src/index.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(packageDir, "../..");
const bin = join(packageDir, "bin/skein-codegen.js");
const tsc = join(repoRoot, "node_modules/.bin/tsc");

const SHOP_PROTO = `
syntax = "proto3";
package shop;
import "common.proto";

// Status of an order.
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_SHIPPED = 2;
}

/** An order line. */
message Line {
  string sku = 1;
  uint32 quantity = 2;
  int64 cents = 3;
}

message Order {
  message Note { string text = 1; }
  string id = 1;
  repeated Line lines = 2;
  Status status = 3;
  map<string, string> labels = 4;
  common.Money total = 5;
  optional string coupon = 6;
  oneof delivery {
    string address = 7;
    string pickup_point = 8;
  }
  bytes signature = 9;
  repeated Note notes = 10;
  bool gift = 11;
  double weight = 12;
}

message Empty {}

service Shop {
  rpc Get (Order) returns (Order);
  rpc Watch (Order) returns (stream Order);
  rpc Upload (stream Line) returns (Order);
  rpc Chat (stream Line) returns (stream Line);
  rpc Ping (Empty) returns (common.Money);
}
`;

const COMMON_PROTO = `
syntax = "proto3";
package common;
message Money { string currency = 1; sint64 units = 2; }
`;

// A consumer of the generated code: if a generated type were wrong, this
// would not compile under strict.
const CONSUMER = `
import { Order, Line, Status, ShopService, type ShopClient, type ShopServer } from "./generated/index.js";
import { Money } from "./generated/common.js";

const bytes: Buffer = Order.encode({ id: "o-1", lines: [{ sku: "a", quantity: 2, cents: 150 }], status: Status.STATUS_OPEN, labels: { k: "v" }, total: { currency: "EUR", units: 3 }, address: "x" });
const order: Order = Order.decode(bytes);
const id: string = order.id;
const status: Status = order.status;
const firstSku: string | undefined = order.lines[0]?.sku;
const money: Money | null | undefined = order.total;
const label: string | undefined = order.labels["k"];
const signature: Uint8Array = order.signature;
const line: Line = Line.decode(Line.encode({ sku: "b" }));

const server: ShopServer = {
  async get(request, context) { return { id: request.id + context.method }; },
  async *watch(request) { yield { id: request.id }; },
  async upload(requests) { let n = 0; for await (const l of requests) n += l.quantity; return { id: String(n) }; },
  async *chat(requests) { for await (const l of requests) yield l; },
  ping() { return { currency: "EUR" }; },
};

async function use(client: ShopClient): Promise<string> {
  const reply: Order = await client.get({ id: "1" }, { timeout: 100, metadata: { a: "b" } });
  for await (const update of client.watch({ id: "1" })) void update.status;
  return reply.id;
}

const streaming: true = ShopService.methods.watch.serverStreaming;
const name: "shop.Shop" = ShopService.name;
export { id, status, firstSku, money, label, signature, line, server, use, streaming, name };
`;

describe("skein-codegen", () => {
  let work: string;

  beforeAll(() => {
    if (!existsSync(join(packageDir, "dist/codegen/cli.js"))) {
      throw new Error("skein-codegen runs from dist/: run `pnpm build` (or `pnpm test`) before these tests");
    }
    work = mkdtempSync(join(tmpdir(), "skein-codegen-"));
    writeFileSync(join(work, "shop.proto"), SHOP_PROTO);
    writeFileSync(join(work, "common.proto"), COMMON_PROTO);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes TypeScript that type-checks under strict, together with code using it", () => {
    const run = spawnSync(process.execPath, [bin, "--out", join(work, "generated"), join(work, "shop.proto"), join(work, "common.proto")], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("wrote 3 files");
    const shop = readFileSync(join(work, "generated/shop.ts"), "utf8");
    expect(shop).toContain("export interface ShopClient {");
    expect(shop).toContain("watch(request: $MessageInit<Order>, options?: $CallOptions): AsyncIterable<Order>;");
    expect(shop).toContain("upload(requests: AsyncIterable<$MessageInit<Line>>, options?: $CallOptions): Promise<Order>;");
    expect(shop).toContain('import { Money } from "./common.js";');

    writeFileSync(join(work, "consumer.ts"), CONSUMER);
    writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(
      join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          isolatedModules: true,
          noUnusedLocals: true,
          exactOptionalPropertyTypes: true,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules/@types")],
          // The generated code imports "@skein/codec": point it at the sources.
          paths: { "@skein/codec": [join(packageDir, "src/index.ts")] },
        },
        include: ["generated/*.ts", "consumer.ts"],
      }),
    );
    const check = spawnSync(tsc, ["-p", join(work, "tsconfig.json")], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("exits with 2 and prints usage when --out is missing", () => {
    const run = spawnSync(process.execPath, [bin, join(work, "shop.proto")], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--out <dir> is required");
    expect(run.stderr).toContain("usage: skein-codegen");
  });

  it("prints usage and exits with 0 on --help", () => {
    const run = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("usage: skein-codegen --out <dir>");
  });

  it("resolves imports through -I include directories", () => {
    const included = join(work, "included");
    const importer = join(work, "importer");
    mkdirSync(included, { recursive: true });
    mkdirSync(importer, { recursive: true });
    writeFileSync(join(included, "common.proto"), COMMON_PROTO);
    writeFileSync(join(importer, "shop.proto"), SHOP_PROTO);
    const out = join(work, "include-out");
    const run = spawnSync(
      process.execPath,
      [bin, "--out", out, "-I", included, join(importer, "shop.proto"), join(included, "common.proto")],
      { encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readFileSync(join(out, "shop.ts"), "utf8")).toContain('import { Money } from "./common.js";');
  });

  it("exits with 1 and names the file when a .proto does not parse", () => {
    writeFileSync(join(work, "broken.proto"), 'syntax = "proto3"; message { }');
    const run = spawnSync(process.execPath, [bin, "--out", join(work, "broken-out"), join(work, "broken.proto")], {
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("broken.proto");
  });

  it("refuses a type imported from a file that is not being generated", () => {
    expect(() => generateTypeScript([join(work, "shop.proto")])).toThrow(CodecError);
    expect(() => generateTypeScript([join(work, "shop.proto")])).toThrow(/common\.Money.*pass that \.proto/);
  });
});
