/**
 * @fileoverview What every parity test file does around its Linux side: the
 * gate (skip with the reason on a machine without Linux, privileges or the
 * native addon; fail where a feature probe says "missing" on a kernel new
 * enough for it, the cilium/ebpf rule of STYLE-ANCHORS.md), the machine's
 * congestion-control state (read before and compared after), the walk of
 * live BPF object IDs that finds anything a run left behind, and a lock that
 * keeps two parity files of parallel test processes from touching the
 * kernel's global CA registry at the same time.
 */
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BPF_BTF_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_NEXT_ID } from "../../src/uapi/bpf-enums.js";
import {
  featureVerdict, haveCapBpf, haveCapNetAdmin, haveCapSysAdmin, haveLinkDetachEpollHup, haveLinkUpdate, haveStructOpsLink, haveStructOpsMap,
} from "../../src/backend/probes.js";
import type { FeatureProbe } from "../../src/backend/probes.js";
import { loadNative } from "../../src/backend/linux/native.js";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import type { ObjKind } from "./target.js";

/** The checks that touch no kernel object: platform and privileges. */
function privilegeGate(): { skip: boolean; reason: string } | null {
  if (process.platform !== "linux") return { skip: true, reason: `not Linux (${process.platform})` };
  const caps = [haveCapBpf(), haveCapSysAdmin(), haveCapNetAdmin()];
  const lacking = caps.find((c) => !c.available);
  return lacking === undefined ? null : { skip: true, reason: `unprivileged: ${lacking.reason}` };
}

/** Why the Linux side cannot run here (skip), or why it must but cannot (fail), or null: run it. */
export function linuxGate(): { skip: boolean; reason: string } | null {
  const priv = privilegeGate();
  if (priv !== null) return priv;
  const n = loadNative();
  const probes: FeatureProbe[] = [haveStructOpsMap(), haveStructOpsLink(), haveLinkUpdate(), haveLinkDetachEpollHup()];
  for (const p of probes) {
    const v = featureVerdict(p);
    if (!v.run) return { skip: v.skip, reason: n.ok ? v.reason : `${v.reason} (${n.reason})` };
  }
  return null;
}

const CC = ["tcp_available_congestion_control", "tcp_allowed_congestion_control", "tcp_congestion_control"] as const;

/** The machine's congestion-control state (init_net's sysctls). */
export const readCc = (): Record<string, string> => Object.fromEntries(CC.map((f) => [f, readFileSync(`/proc/sys/net/ipv4/${f}`, "utf8").trim()]));

const NEXT_ID: Record<ObjKind, number> = { map: BPF_MAP_GET_NEXT_ID, prog: BPF_PROG_GET_NEXT_ID, link: BPF_LINK_GET_NEXT_ID, btf: BPF_BTF_GET_NEXT_ID };

/** Every ID of `kind` the running kernel has (BPF_*_GET_NEXT_ID walk). */
function liveIds(b: LinuxBackend, kind: ObjKind): Set<number> {
  const out = new Set<number>();
  const attr = { start_id: 0, next_id: 0 };
  for (;;) {
    if (b.bpf(NEXT_ID[kind] as typeof BPF_MAP_GET_NEXT_ID, attr).errno !== 0) return out;
    out.add(attr.next_id);
    attr.start_id = attr.next_id;
  }
}

/**
 * How long {@link leftovers} waits for the kernel's deferred frees before it
 * calls an object left behind. Closing the last reference does not free
 * everything at once: bpf_struct_ops_map_free releases the map's programs
 * only after an RCU and an RCU-tasks grace period (synchronize_rcu_mult), a
 * program is freed behind its own RCU grace period, and only then are the
 * maps it uses (.bss, .data) and its BTF put and their IDs freed. An
 * RCU-tasks grace period lasts until every task has switched voluntarily:
 * in two runs of the parity files beside a loaded testbed run, the frees
 * took up to 0.7 s in one, and up to 2.6 s in the other, where 5 scenarios
 * passed 3 s (the bound this replaces). It has no upper bound, so the wait
 * is generous; it ends as soon as the objects are gone, and only a real
 * leak waits it out.
 */
const DEFERRED_FREE_MS = 30_000;

/** Objects of `created` still alive, retried while the kernel's deferred frees (RCU, RCU tasks) run, for up to {@link DEFERRED_FREE_MS}. */
export async function leftovers(created: ReadonlyArray<{ kind: ObjKind; id: number }>, kinds: readonly ObjKind[]): Promise<string[]> {
  const waitMs = DEFERRED_FREE_MS;
  const o = LinuxBackend.open({ netns: "current" });
  assert.ok(o.ok, o.ok ? "" : o.reason);
  const b = o.backend;
  try {
    let left: string[] = [];
    for (let waited = 0; ; waited += 100) {
      const live = Object.fromEntries(kinds.map((k) => [k, liveIds(b, k)])) as Record<ObjKind, Set<number>>;
      left = created.filter((c) => kinds.includes(c.kind) && live[c.kind].has(c.id)).map((c) => `${c.kind} ${c.id}`);
      if (left.length === 0 || waited >= waitMs) return left;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    b.dispose();
  }
}

const LOCK = join(tmpdir(), "structops-linux-parity.lock");
const LOCK_WAIT_MS = 10 * 60 * 1000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Takes the machine-wide parity lock (a file holding the owner's pid; a
 * dead owner's lock is taken over), waiting for another test process that
 * holds it. Returns the release function; the lock also goes when this
 * process exits. The CA registry and the available list are global in
 * Linux, so two files that register the same names must not overlap.
 * @throws {Error} after ten minutes of waiting, naming the holder
 */
export function acquireLinuxLock(): () => void {
  const start = Date.now();
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      const fd = openSync(LOCK, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(LOCK, "utf8"));
    } catch {
      continue;
    }
    if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
      try {
        unlinkSync(LOCK);
      } catch (e) {
        // ENOENT: another waiter took it over first; anything else would make this loop spin.
        if ((e as { code?: string }).code !== "ENOENT") throw new Error(`parity: cannot remove the stale lock ${LOCK} of dead pid ${holder}: ${(e as Error).message}`);
      }
      continue;
    }
    if (Date.now() - start > LOCK_WAIT_MS) throw new Error(`parity: ${LOCK} is held by pid ${holder} for more than ${LOCK_WAIT_MS / 60000} minutes`);
    Atomics.wait(nap, 0, 0, 100);
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    try {
      if (readFileSync(LOCK, "utf8") === String(process.pid)) unlinkSync(LOCK);
    } catch {
      // Already gone.
    }
  };
  process.once("exit", release);
  return release;
}

/**
 * The gate under the lock: the probes register throw-away CAs, so they run
 * under it too (an unprivileged process, which registers nothing, takes no
 * lock). When the Linux side does not run, the lock is given back at once
 * and `release` does nothing.
 */
export function lockedLinuxGate(): { gate: { skip: boolean; reason: string } | null; release: () => void } {
  const priv = privilegeGate();
  if (priv !== null) return { gate: priv, release: () => {} };
  const release = acquireLinuxLock();
  const gate = linuxGate();
  if (gate !== null) release();
  return { gate, release };
}
