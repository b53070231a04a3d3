/**
 * The frames of an actor call between members, carried by `@skein/patterns`'
 * RpcClient/RpcServer (which add the correlation id):
 *
 * - request: `[type, key, method, arguments (JSON array), traceparent, tracestate]`
 *   (the last two empty when the caller has no span);
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
  readonly args: unknown[];
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
}

const OK = Buffer.from([0]);
const FAILED = Buffer.from([1]);
const EMPTY = Buffer.alloc(0);
const CODES: ReadonlySet<string> = new Set(Object.values(ActorErrorCode));

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
  if (frames.length !== 6) throw new ActorError(ActorErrorCode.SERIALIZATION, `an actor request has 6 frames, this one ${frames.length}`);
  let args: unknown;
  try {
    args = JSON.parse(frames[3]!.toString());
  } catch (error) {
    throw new ActorError(ActorErrorCode.SERIALIZATION, `actor request arguments are not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(args)) throw new ActorError(ActorErrorCode.SERIALIZATION, "actor request arguments are not a JSON array");
  const traceparent = frames[4]!.length > 0 ? frames[4]!.toString() : undefined;
  const tracestate = frames[5]!.length > 0 ? frames[5]!.toString() : undefined;
  return { type: frames[0]!.toString(), key: frames[1]!.toString(), method: frames[2]!.toString(), args, traceparent, tracestate };
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
