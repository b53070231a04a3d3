import { describe, expect, it } from "vitest";
import { Context, Pair, Router } from "../src/index.js";
import { bindFresh, nextEvent, socketScope, strings, within } from "./helpers.js";

const open = socketScope();

/** An RFC 27 handler on a ROUTER bound at inproc://zeromq.zap.01, answering with `reply(request)`. */
async function zapHandler(context: Context, reply: (request: Buffer[]) => (Buffer | string)[]): Promise<Router> {
  const router = open(new Router({ context }));
  await router.bind("inproc://zeromq.zap.01");
  void (async () => {
    try {
      for await (const request of router) await router.send(reply(request));
    } catch (error) {
      // context.close() at the end of a test ends the loop with ETERM; anything else fails the run.
      if ((error as { code?: string }).code !== "ETERM") throw error;
    }
  })();
  return router;
}

/** [peer, "", version, id, domain, address, identity, mechanism, ...credentials] → a reply with this status. */
const answer = (status: string) => (r: Buffer[]) => [r[0]!, r[1]!, r[2]!, r[3]!, status, "OK", "", ""];

function plainPair(context: Context): [Pair, Pair] {
  const server = open(new Pair({ context, plainServer: true, zapDomain: "test" }));
  const client = open(new Pair({ context, plainUsername: "user", plainPassword: "pass" }));
  return [server, client];
}

describe("ZAP through a handler socket in the same context (RFC 27), as with zeromq", () => {
  it("asks a handler bound again after the first one closed", async () => {
    const context = new Context();
    const first = await zapHandler(context, answer("200"));
    const [server, client] = plainPair(context);
    client.connect(await bindFresh(server, "tcp"));
    await within(client.send("one"));
    expect(strings(await within(server.receive()))).toEqual(["one"]);
    first.close();

    const seen: string[] = [];
    await zapHandler(context, (r) => {
      seen.push(r[7]!.toString());
      return answer("200")(r);
    });
    const [server2, client2] = plainPair(context);
    client2.connect(await bindFresh(server2, "tcp"));
    await within(client2.send("two"));
    expect(strings(await within(server2.receive()))).toEqual(["two"]);
    expect(seen).toEqual(["PLAIN"]);
    context.close();
  });

  it('reports a reply of another ZAP version as handshake:error:protocol ERR_ZAP_BAD_VERSION "ZAP protocol error"', async () => {
    const context = new Context();
    await zapHandler(context, (r) => [r[0]!, r[1]!, "9.9", r[3]!, "200", "OK", "", ""]);
    const [server, client] = plainPair(context);
    const failed = nextEvent(server, "handshake:error:protocol");
    client.connect(await bindFresh(server, "tcp"));
    expect((await failed).error).toMatchObject({ code: "ERR_ZAP_BAD_VERSION", message: "ZAP protocol error" });
    context.close();
  });

  it("reports a reply with too few frames as ERR_ZAP_MALFORMED_REPLY", async () => {
    const context = new Context();
    await zapHandler(context, (r) => [r[0]!, r[1]!, "", ""]);
    const [server, client] = plainPair(context);
    const failed = nextEvent(server, "handshake:error:protocol");
    client.connect(await bindFresh(server, "tcp"));
    expect((await failed).error).toMatchObject({ code: "ERR_ZAP_MALFORMED_REPLY", message: "ZAP protocol error" });
    context.close();
  });

  it('reports a denial on both sides as handshake:error:auth "Authentication failure", status 400', async () => {
    const context = new Context();
    await zapHandler(context, answer("400"));
    const [server, client] = plainPair(context);
    const serverSide = nextEvent(server, "handshake:error:auth");
    const clientSide = nextEvent(client, "handshake:error:auth");
    client.connect(await bindFresh(server, "tcp"));
    expect((await serverSide).error).toMatchObject({ status: 400, message: "Authentication failure" });
    expect((await clientSide).error).toMatchObject({ status: 400, message: "Authentication failure" });
    context.close();
  });
});
