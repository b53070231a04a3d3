import { expect } from "vitest";
import { CodecError } from "../src/index.js";

/** The `code` of the {@link CodecError} `run` throws; fails the test if it throws anything else or nothing. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return (err as CodecError).code;
  }
  throw new Error("expected a CodecError");
}
