/**
 * @fileoverview Helpers of the library-level scenario tests: boot the
 * emulated kernel, open and load a fixture through the user API, make TCP
 * sockets on a congestion control by name, read a struct_ops map's state.
 */
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import type { ModelProcess } from "../../src/lib/kernel.js";
import { BpfObject } from "../../src/lib/object.js";
import type { BpfObjectMap } from "../../src/lib/object.js";
import { fixture } from "../obj/helpers.js";

export const FLAVORS = ["model", "linux"] as const;
export type Flavor = (typeof FLAVORS)[number];

export interface Env {
  readonly k: EmulatedKernel;
  readonly p: ModelProcess;
  readonly obj: BpfObject;
}

/** A kernel, a root process, and fixture `name` opened (not loaded). */
export function openFixture(name: string, flavor: Flavor): Env {
  const k = new EmulatedKernel();
  const p = k.process();
  const obj = BpfObject.open(fixture(name, flavor), { name });
  return { k, p, obj };
}

/** As {@link openFixture}, then loaded. */
export function loadFixture(name: string, flavor: Flavor): Env {
  const env = openFixture(name, flavor);
  env.obj.load(env.p);
  return env;
}

/** `do_test`: a socket that picks `cc` by name; returns its fd (the errno on failure). */
export function sockOn(env: Env, cc: string): { fd: number; errno: number } {
  const s = env.p.socket();
  assert.equal(s.errno, 0);
  const r = env.p.setCongestion(s.ret, cc);
  return { fd: s.ret, errno: r.errno };
}

/** (state, refcnt) of a struct_ops map as BPF_MAP_LOOKUP_ELEM reports them (KERNEL-SPEC §5). */
export function stateOf(map: BpfObjectMap): { state: number; refcnt: number } {
  const v = map.lookup(0);
  const dv = new DataView(v.buffer);
  return { refcnt: dv.getUint32(0, true), state: dv.getUint32(4, true) };
}

/** The CA list of /proc/sys/net/ipv4/tcp_available_congestion_control. */
export function available(env: Env): string {
  return env.p.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text.trim();
}

/** Closes everything and asserts the kernel has nothing left. */
export function teardown(env: Env): void {
  env.obj.close();
  env.p.exit();
  env.k.settle();
  assert.deepEqual(env.k.leaks(), []);
}
