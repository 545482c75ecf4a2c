/**
 * @fileoverview The kernel's jiffies as the clock moves (include/linux/jiffies.h:
 * jiffies_64 counts ticks of 1/HZ s from INITIAL_JIFFIES; tcp_jiffies32 is its
 * low 32 bits): after any sequence of forward moves, within a jiffy and across
 * many, past the 32-bit wrap five minutes after boot, `jiffies32` is the low
 * half of `jiffies64`, and the typed ksym `jiffies_64` a BPF program loads
 * (kernel memory, rewritten only when the clock crosses a jiffy) holds
 * `jiffies64`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createModelKernel } from "../../src/backend/model.js";

const JIFFY = 4_000_000;

test("jiffies32 and the jiffies_64 ksym's bytes follow jiffies64 at every clock move", () => {
  const step = fc.oneof(
    fc.integer({ min: 1, max: 1000 }),
    fc.integer({ min: JIFFY - 2, max: JIFFY + 2 }),
    fc.integer({ min: 1, max: 20 * JIFFY }),
    fc.constant(300_000_000_000), // the u32 wrap of jiffies, 300 s after boot
  );
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.boolean(), (steps, readBetween) => {
      const { kernel } = createModelKernel();
      const v = [...kernel.ksymVars.values()].find((x) => x.name === "jiffies_64");
      assert.ok(v !== undefined, "the model's BTF has jiffies_64");
      let ns = kernel.nowNs;
      for (const s of steps) {
        ns += s;
        kernel.setTimeNs(ns);
        if (readBetween || s === steps[steps.length - 1]) assert.equal(kernel.jiffies32, Number(kernel.jiffies64 & 0xffffffffn));
        assert.equal(kernel.mem.dv.getBigUint64(v.addr, true), kernel.jiffies64, `ksym bytes at ${ns} ns`);
      }
    }),
    { numRuns: 60 },
  );
});
