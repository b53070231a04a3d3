import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENVELOPE_PROTO } from "../src/envelope-proto.js";
import { ENVELOPE_PROTO_URL } from "../src/envelope-schema.js";

describe("envelope schema", () => {
  it("the embedded schema is the shipped envelope.proto (else run scripts/embed-envelope-proto.mjs)", () => {
    expect(ENVELOPE_PROTO).toBe(readFileSync(ENVELOPE_PROTO_URL, "utf8"));
  });
});
