/**
 * The files of the project `skein new` makes: a standalone npm project with a `.proto`, the code
 * `skein-codegen` generates from it at build time, a decorated service, a client and a vitest test
 * that starts the service and calls it. Shaped after examples/microservices, without its workspace
 * links: everything comes from the published @skein packages (or tarballs of them).
 */

/**
 * Third-party versions the project asks for: the ranges the skein workspace builds and tests with
 * (packages/cli/test/new-project.test.ts checks they have not drifted from it).
 */
export const TEMPLATE_THIRD_PARTY = {
  dependencies: {
    "@opentelemetry/api": "^1.9.1",
    inversify: "^8.2.3",
    "reflect-metadata": "^0.2.2",
  },
  devDependencies: {
    "@types/node": "^20.19.0",
    typescript: "^7.0.2",
    vitest: "^4.1.12",
  },
} as const;

/** What a project is made from. */
export interface ProjectSpec {
  /** npm name of the project, also its folder and the `.proto` package. */
  name: string;
  /** The @skein packages: a version range each, or a `file:` tarball. */
  skein: Readonly<Record<string, string>>;
}

/** The project's files: path relative to its folder, and content. */
export function projectFiles(spec: ProjectSpec): Map<string, string> {
  const protoPackage = spec.name.replace(/[^a-z0-9]+/g, "_").replace(/^(?=[0-9_])/, "p");
  return new Map([
    ["package.json", packageJson(spec)],
    ["tsconfig.json", TSCONFIG],
    ["tsconfig.build.json", TSCONFIG_BUILD],
    [".gitignore", "node_modules/\ndist/\nsrc/generated/\n"],
    ["proto/greeter.proto", greeterProto(protoPackage)],
    ["src/greeter.ts", GREETER],
    ["src/app.ts", app(spec.name)],
    ["src/main.ts", MAIN],
    ["src/client.ts", CLIENT],
    ["test/greeter.test.ts", TEST],
    ["README.md", readme(spec.name, protoPackage)],
  ]);
}

function packageJson(spec: ProjectSpec): string {
  const manifest = {
    name: spec.name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=20.10" },
    scripts: {
      generate: "skein-codegen --out src/generated proto/*.proto",
      build: "npm run generate && tsc -p tsconfig.build.json",
      typecheck: "tsc -p tsconfig.json",
      test: "npm run build && npm run typecheck && vitest run",
      start: "node dist/main.js",
      client: "node dist/client.js",
    },
    dependencies: sorted({ ...spec.skein, ...TEMPLATE_THIRD_PARTY.dependencies }),
    devDependencies: { ...TEMPLATE_THIRD_PARTY.devDependencies },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Type-checks sources and tests (and is what an editor reads); tsconfig.build.json emits. */
const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "skipLibCheck": true,
    "isolatedModules": true,
    "verbatimModuleSyntax": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "noEmit": true
  },
  "include": ["src", "test"]
}
`;

const TSCONFIG_BUILD = `{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": false,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
`;

function greeterProto(protoPackage: string): string {
  return `// The contract of the service. Change it and run \`npm run build\`: skein-codegen writes
// src/generated/ (message types, codecs, GreeterServer, GreeterClient, GreeterService).
syntax = "proto3";

package ${protoPackage};

// Who to greet.
message HelloRequest {
  // The name to put in the greeting.
  string name = 1;
  // How many greetings SayHelloStream sends (0 means 1).
  uint32 times = 2;
}

// A greeting.
message HelloReply {
  string message = 1;
  // Position of this greeting in a stream, from 0.
  uint32 index = 2;
}

// Greets people.
service Greeter {
  // Answers one request with one greeting.
  rpc SayHello (HelloRequest) returns (HelloReply);
  // Answers one request with \`times\` greetings.
  rpc SayHelloStream (HelloRequest) returns (stream HelloReply);
}
`;
}

const GREETER = `/**
 * The Greeter service: a class whose methods answer the calls of proto/greeter.proto.
 * \`implements GreeterServer\` makes the compiler check each request and reply type.
 */
import { Rpc, RpcError, RpcStatus, Service } from "@skein/service";
import { inject } from "inversify";
import { GreeterService, type GreeterServer, type HelloRequest } from "./generated/index.js";

/** Token of the greeting word, bound in the app's container (src/app.ts). */
export const GREETING = Symbol("greeting");

@Service(GreeterService)
export class Greeter implements GreeterServer {
  constructor(@inject(GREETING) private readonly greeting: string) {}

  @Rpc()
  sayHello(request: HelloRequest) {
    if (request.name.trim() === "") throw new RpcError(RpcStatus.INVALID_ARGUMENT, "name is required");
    return { message: \`\${this.greeting}, \${request.name}!\` };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    for (let index = 0; index < Math.max(1, request.times); index++) {
      yield { message: \`\${this.greeting} #\${index + 1}, \${request.name}\`, index };
    }
  }
}
`;

function app(name: string): string {
  return `/** The app: the Greeter service in an inversify container, served over ZeroMQ. */
import "reflect-metadata";
import { type App, createApp } from "@skein/service";
import { Container } from "inversify";
import { GREETING, Greeter } from "./greeter.js";

/** Where the service listens unless told otherwise (SKEIN_RPC_BIND overrides it). */
export const DEFAULT_ENDPOINT = "tcp://127.0.0.1:5701";

export interface GreeterAppOptions {
  /** Endpoint to bind (default {@link DEFAULT_ENDPOINT}; \`tcp://127.0.0.1:0\` picks a free port). */
  endpoint?: string;
  /** The greeting word (default "Hello"). */
  greeting?: string;
  /** Read SKEIN_* overrides from process.env (default true). */
  env?: boolean;
}

/** Makes the app; \`await app.start()\` serves it, \`app.endpoints.rpc\` says where. */
export function createGreeterApp(options: GreeterAppOptions = {}): App {
  const container = new Container();
  container.bind(GREETING).toConstantValue(options.greeting ?? "Hello");
  return createApp({
    name: ${JSON.stringify(name)},
    container,
    services: [Greeter],
    endpoints: { rpc: { bind: [options.endpoint ?? DEFAULT_ENDPOINT] } },
    ...(options.env === false ? { env: false as const } : {}),
  });
}
`;
}

const MAIN = `/** \`npm start\`: serves the app until SIGINT or SIGTERM, then drains calls in flight and stops. */
import { createGreeterApp } from "./app.js";

const app = createGreeterApp({ greeting: process.env["GREETING"] ?? "Hello" });
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(\`[\${app.name}] \${signal}: stopping\`);
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(\`[\${app.name}] stop failed:\`, error);
      process.exit(1);
    },
  );
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
await app.start();
console.log(\`[\${app.name}] serving on \${app.endpoints.rpc.join(", ")}\`);
`;

const CLIENT = `/** A typed client of the Greeter: \`npm run client -- [name] [endpoint]\` against a running service. */
import { connect } from "@skein/service";
import { pathToFileURL } from "node:url";
import { DEFAULT_ENDPOINT } from "./app.js";
import { GreeterService } from "./generated/index.js";

/** Calls SayHello once on the service at \`endpoint\`; resolves with the greeting. */
export async function greet(endpoint: string, name: string): Promise<string> {
  const greeter = connect(GreeterService, { endpoints: [endpoint], timeout: 5_000 });
  try {
    const reply = await greeter.client.sayHello({ name });
    return reply.message;
  } finally {
    await greeter.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [name = "world", endpoint = process.env["SKEIN_RPC_BIND"] ?? DEFAULT_ENDPOINT] = process.argv.slice(2);
  greet(endpoint, name).then(
    (message) => console.log(message),
    (error: unknown) => {
      console.error("call failed:", error);
      process.exitCode = 1;
    },
  );
}
`;

const TEST = `import type { App } from "@skein/service";
import { connect } from "@skein/service";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createGreeterApp } from "../src/app.js";
import { greet } from "../src/client.js";
import { GreeterService } from "../src/generated/index.js";

let app: App;
let endpoint: string;

beforeAll(async () => {
  // A free port on loopback, and no SKEIN_* overrides from the environment.
  app = createGreeterApp({ endpoint: "tcp://127.0.0.1:0", env: false });
  await app.start();
  endpoint = app.endpoints.rpc[0]!;
});

afterAll(async () => {
  await app?.stop();
});

test("SayHello answers with a greeting", async () => {
  expect(await greet(endpoint, "Ada")).toBe("Hello, Ada!");
});

test("SayHello without a name fails with INVALID_ARGUMENT", async () => {
  await expect(greet(endpoint, " ")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: "name is required" });
});

test("SayHelloStream sends as many greetings as asked", async () => {
  const greeter = connect(GreeterService, { endpoints: [endpoint] });
  try {
    const messages: string[] = [];
    for await (const reply of greeter.client.sayHelloStream({ name: "Grace", times: 3 })) messages.push(reply.message);
    expect(messages).toEqual(["Hello #1, Grace", "Hello #2, Grace", "Hello #3, Grace"]);
  } finally {
    await greeter.close();
  }
});
`;

function readme(name: string, protoPackage: string): string {
  return `# ${name}

A microservice over ZeroMQ made by \`skein new\`: the service \`${protoPackage}.Greeter\` described in
[proto/greeter.proto](proto/greeter.proto), implemented by a decorated class, served by an
[@skein/service](https://www.npmjs.com/package/@skein/service) app, and called by a typed client.

\`\`\`sh
npm install
npm test                  # generates the code, compiles, type-checks, runs test/greeter.test.ts
npm start                 # serves on tcp://127.0.0.1:5701 (SKEIN_RPC_BIND=tcp://0.0.0.0:6000 npm start to change it)
npm run client -- Ada     # in another terminal: prints "Hello, Ada!"
\`\`\`

| file | what it is |
|---|---|
| \`proto/greeter.proto\` | the contract: messages and the service |
| \`src/generated/\` | written by \`skein-codegen\` on every build (not to edit, not committed) |
| \`src/greeter.ts\` | the service: \`@Service(GreeterService)\`, one \`@Rpc()\` method per call, a typed error, an injected dependency |
| \`src/app.ts\` | the inversify container and the app that serves the service |
| \`src/main.ts\` | \`npm start\`: runs the app, stops cleanly on SIGINT/SIGTERM |
| \`src/client.ts\` | \`connect(GreeterService, ...)\`: a typed client |
| \`test/greeter.test.ts\` | starts the app on a free port and calls it (vitest) |

To add a call: add an \`rpc\` to the \`.proto\`, \`npm run build\`, and the compiler lists what
\`Greeter\` is missing. Events (\`@Subscribe\`, \`@InjectPublisher\`) and work queues (\`@Consume\`,
\`@InjectQueue\`) are described in the @skein/service README.
`;
}
