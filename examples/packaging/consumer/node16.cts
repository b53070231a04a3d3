// Type-checked only, under `"module": "node16"`: TypeScript models Node 16 there, where a CommonJS
// file could not require an ES module, so an ES-module-only dependency (inversify 8) fails to
// compile in a .cts. The @skein packages' `require` types are CommonJS declarations: they resolve
// and check in this mode too.
import { context, Push, ZmqError } from "@skein/core";
import { type Envelope, decodeEnvelope, encodeEnvelope } from "@skein/codec";
import { RpcClient, type RpcServerOptions } from "@skein/patterns";
import { createApp, type AppOptions, Service } from "@skein/service";

const push: Push = new Push({ context, sendHighWaterMark: 10 });
const envelope: Envelope = decodeEnvelope(encodeEnvelope({ kind: "event", topic: "t", payload: [] }));
const options: RpcServerOptions = { bind: ["tcp://127.0.0.1:0"] };
const app: (options: AppOptions) => unknown = createApp;
export { push, envelope, options, app, RpcClient, Service, ZmqError };
