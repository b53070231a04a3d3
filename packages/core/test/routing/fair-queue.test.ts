/** FairQueue (libzmq `fq_t`): one whole message from each readable pipe in turn. */
import { describe, expect, it } from "vitest";
import { FairQueue } from "../../src/routing/fair-queue.js";
import { msg, pipes } from "./pipes.js";

const text = (m: Buffer[] | undefined): string | undefined => m?.[0]?.toString();

describe("FairQueue", () => {
  it("takes one message from each pipe in turn, so a busy pipe does not starve the others", () => {
    const fq = new FairQueue();
    const [a, b] = pipes(2);
    fq.attach(a!);
    fq.attach(b!);
    for (let i = 0; i < 3; i++) a!.deliver(msg(`a${i}`));
    b!.deliver(msg("b0"));
    const got = Array.from({ length: 4 }, () => text(fq.recv()));
    expect(got).toEqual(["a0", "b0", "a1", "a2"]);
    expect(fq.recv()).toBeUndefined();
    expect(fq.hasIn()).toBe(false);
  });

  it("remembers the pipe the last message came from", () => {
    const fq = new FairQueue();
    const [a, b] = pipes(2);
    fq.attach(a!);
    fq.attach(b!);
    b!.deliver(msg("b"));
    expect(text(fq.recv())).toBe("b");
    expect(fq.lastPipe).toBe(b);
    fq.terminated(b!);
    expect(fq.lastPipe).toBeNull();
  });

  it("serves a pipe again once it is activated after running dry", () => {
    const fq = new FairQueue();
    const [a] = pipes(1);
    fq.attach(a!);
    expect(fq.recv()).toBeUndefined();
    a!.deliver(msg("late"));
    expect(fq.hasIn()).toBe(false);
    fq.activated(a!);
    expect(fq.hasIn()).toBe(true);
    expect(text(fq.recv())).toBe("late");
  });

  it("reads the last message of a departed peer, then forgets its pipe", () => {
    const fq = new FairQueue();
    const [a, b] = pipes(2);
    fq.attach(a!);
    fq.attach(b!);
    a!.deliver(msg("last"));
    b!.deliver(msg("b0"));
    b!.deliver(msg("b1"));
    a!.peerLeft();
    // The recorder stands in for the socket: the socket would call terminated() when told.
    expect(text(fq.recv())).toBe("last");
    fq.terminated(a!);
    expect([text(fq.recv()), text(fq.recv())]).toEqual(["b0", "b1"]);
  });
});
