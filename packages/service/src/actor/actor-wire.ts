/**
 * The frames of an actor call between members, carried by `@skein/patterns`'
 * RpcClient/RpcServer (which add the correlation id):
 *
 * - request: `[type, key, method, arguments (JSON array), traceparent, tracestate]`
 *   (the two trace frames empty when the caller has no span), and a seventh
 *   frame `protobuf` for an actor with a `.proto` contract, whose fourth frame
 *   is then the method's protobuf request and the reply body its protobuf reply;
 * - reply: `[status]` and a body: status 0 and the result as JSON (empty for
 *   `undefined`), or status 1 and `{ code, message, remoteCode? }` as JSON.
 *
 * Arguments and results cross members as JSON: pass plain data.
 */
import { ActorError, ActorErrorCode, type ActorErrorCodeValue } from "./actor-error.js";

/** A decoded request. */
export interface ActorRequest {
  readonly type: string;
  readonly key: string;
  readonly method: string;
  /** The JSON arguments; empty for a protobuf request. */
  readonly args: unknown[];
  /** The protobuf request of a contract call, or `undefined` for JSON arguments. */
  readonly protobuf: Buffer | undefined;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
}

const OK = Buffer.from([0]);
const FAILED = Buffer.from([1]);
const EMPTY = Buffer.alloc(0);
const CODES: ReadonlySet<string> = new Set(Object.values(ActorErrorCode));
const PROTOBUF = Buffer.from("protobuf");

/** The frames of a call to an actor with a `.proto` contract: the request already encoded. */
export function encodeProtobufRequest(type: string, key: string, method: string, request: Buffer, traceparent = "", tracestate = ""): Buffer[] {
  return [Buffer.from(type), Buffer.from(key), Buffer.from(method), request, Buffer.from(traceparent), Buffer.from(tracestate), PROTOBUF];
}

/** The frames of a call. */
export function encodeRequest(type: string, key: string, method: string, args: unknown[], traceparent = "", tracestate = ""): Buffer[] {
  let json: string;
  try {
    json = JSON.stringify(args);
  } catch (error) {
    throw new ActorError(ActorErrorCode.SERIALIZATION, `arguments of ${type}.${method} are not JSON: ${(error as Error).message}`, { cause: error });
  }
  return [Buffer.from(type), Buffer.from(key), Buffer.from(method), Buffer.from(json), Buffer.from(traceparent), Buffer.from(tracestate)];
}

/** Reads a call's frames; throws `ACTOR_SERIALIZATION` on anything malformed. */
export function decodeRequest(frames: Buffer[]): ActorRequest {
  if (frames.length !== 6 && frames.length !== 7) throw new ActorError(ActorErrorCode.SERIALIZATION, `an actor request has 6 or 7 frames, this one ${frames.length}`);
  const traceparent = frames[4]!.length > 0 ? frames[4]!.toString() : undefined;
  const tracestate = frames[5]!.length > 0 ? frames[5]!.toString() : undefined;
  const head = { type: frames[0]!.toString(), key: frames[1]!.toString(), method: frames[2]!.toString(), traceparent, tracestate };
  if (frames.length === 7) {
    if (!frames[6]!.equals(PROTOBUF)) throw new ActorError(ActorErrorCode.SERIALIZATION, `unknown actor request format ${frames[6]!.toString()}`);
    return { ...head, args: [], protobuf: frames[3]! };
  }
  let args: unknown;
  try {
    args = JSON.parse(frames[3]!.toString());
  } catch (error) {
    throw new ActorError(ActorErrorCode.SERIALIZATION, `actor request arguments are not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(args)) throw new ActorError(ActorErrorCode.SERIALIZATION, "actor request arguments are not a JSON array");
  return { ...head, args, protobuf: undefined };
}

/** The reply frames of a handler's result. */
export function encodeResult(result: unknown): Buffer[] {
  if (result === undefined) return [OK, EMPTY];
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    return encodeError(new ActorError(ActorErrorCode.SERIALIZATION, `the result is not JSON: ${(error as Error).message}`));
  }
  return [OK, Buffer.from(json)];
}

/** The reply frames of a contract handler's protobuf reply. */
export function encodeProtobufResult(reply: Buffer): Buffer[] {
  return [OK, reply];
}

/** The protobuf reply of reply frames, or throws the `ActorError` they carry. */
export function decodeProtobufReply(frames: Buffer[]): Buffer {
  if (frames.length === 2 && frames[0]?.length === 1 && frames[0][0] === 0) return frames[1]!;
  decodeReply(frames);
  throw new ActorError(ActorErrorCode.SERIALIZATION, "an actor reply to a protobuf call has no protobuf body");
}

/** The reply frames of a failure: an `ActorError` keeps its code; anything else travels as `ACTOR_HANDLER_FAILED`. */
export function encodeError(error: unknown): Buffer[] {
  const own = error instanceof ActorError && error.code !== ActorErrorCode.HANDLER_FAILED;
  const thrownCode = (error as { code?: unknown } | null)?.code;
  const body = {
    code: own ? (error as ActorError).code : ActorErrorCode.HANDLER_FAILED,
    message: error instanceof Error ? error.message : String(error),
    remoteCode: own ? undefined : error instanceof ActorError ? error.remoteCode : typeof thrownCode === "string" ? thrownCode : undefined,
  };
  return [FAILED, Buffer.from(JSON.stringify(body))];
}

/** The result of reply frames, or throws the `ActorError` they carry. */
export function decodeReply(frames: Buffer[]): unknown {
  const [status, body] = frames;
  if (frames.length !== 2 || status?.length !== 1 || body === undefined) {
    throw new ActorError(ActorErrorCode.SERIALIZATION, `an actor reply has a status octet and a body, this one ${frames.length} frames`);
  }
  if (status[0] === 0) return body.length === 0 ? undefined : parse(body);
  const failure = parse(body) as { code?: unknown; message?: unknown; remoteCode?: unknown } | null;
  const code = typeof failure?.code === "string" && CODES.has(failure.code) ? (failure.code as ActorErrorCodeValue) : ActorErrorCode.HANDLER_FAILED;
  const remoteCode = typeof failure?.remoteCode === "string" ? failure.remoteCode : undefined;
  throw new ActorError(code, typeof failure?.message === "string" ? failure.message : "the actor call failed", remoteCode === undefined ? {} : { remoteCode });
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString());
  } catch (error) {
    throw new ActorError(ActorErrorCode.SERIALIZATION, `an actor reply is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
