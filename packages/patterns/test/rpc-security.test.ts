import { afterEach, expect, it } from "vitest";
import { Context, curveKeyPair } from "@skein/core";
import { RpcClient, RpcServer } from "../src/index.js";
import { ANY_PORT } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

it("an RpcServer with PLAIN security hands the ZAP user id to its handler", async () => {
  const context = new Context();
  closers.push(() => context.close());
  context.zapHandler = ({ credentials }) => ({
    allow: credentials[1]?.toString() === "s3cret",
    userId: `user:${credentials[0]!.toString()}`,
  });
  const server = new RpcServer({ bind: [ANY_PORT], context, security: { plainServer: true } });
  await server.serve((frames, ctx) => [Buffer.from(ctx.userId ?? "anonymous"), ...frames]);
  closers.push(() => server.close());
  const client = new RpcClient({
    endpoints: server.endpoints,
    context,
    security: { plainUsername: "ada", plainPassword: "s3cret" },
  });
  closers.push(() => client.close());
  const reply = await client.request([Buffer.from("hi")]);
  expect(reply.map(String)).toEqual(["user:ada", "hi"]);
});

it("an RpcServer with CURVE security serves a client that knows its key", async () => {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const server = new RpcServer({
    bind: [ANY_PORT],
    security: { curveServer: true, curveSecretKey: serverKeys.secretKey, curvePublicKey: serverKeys.publicKey },
  });
  await server.serve((frames, ctx) => [Buffer.from(ctx.userId ?? "no user id"), ...frames]);
  closers.push(() => server.close());
  const client = new RpcClient({
    endpoints: server.endpoints,
    security: { curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey },
  });
  closers.push(() => client.close());
  const reply = await client.request([Buffer.from("encrypted")]);
  expect(reply.map(String)).toEqual(["no user id", "encrypted"]);
});
