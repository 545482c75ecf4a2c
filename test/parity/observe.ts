/**
 * @fileoverview What the parity suite compares: a scenario run on one target
 * records a list of observations (label → normalised value). Object IDs are
 * replaced by labels in order of first appearance per kind (`map#1`,
 * `link#2`, …) since the two kernels number objects differently; fdinfo's
 * machine-specific `mnt_id` and `ino` are blanked; the global CC lists are
 * reduced to what the run added to their baseline. {@link diffRuns} lists
 * every step where the two runs differ, both sides printed.
 */
import { createHash } from "node:crypto";
import { isDeepStrictEqual, inspect } from "node:util";
import type { ObjKind, Target } from "./target.js";

/** One scenario run on one target. */
export class Run {
  readonly steps: Array<{ readonly label: string; readonly value: unknown }> = [];
  private readonly labels = new Map<string, string>();
  private readonly counts = new Map<ObjKind, number>();
  readonly baseAvailable: readonly string[];
  readonly baseAllowed: readonly string[];

  constructor(readonly t: Target) {
    this.baseAvailable = this.list("tcp_available_congestion_control");
    this.baseAllowed = this.list("tcp_allowed_congestion_control");
  }

  /** Label of object `id` of `kind` ("0" stays "0": no object). */
  id(kind: ObjKind, id: number | bigint): string {
    if (BigInt(id) === 0n) return "0";
    const key = `${kind}:${id}`;
    let l = this.labels.get(key);
    if (l === undefined) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      l = `${kind}#${n}`;
      this.labels.set(key, l);
    }
    return l;
  }

  /** Records an observation and returns the value. */
  see<V>(label: string, value: V): V {
    this.steps.push({ label, value });
    return value;
  }

  private list(name: string): string[] {
    const r = this.t.be.readFile(`/proc/sys/net/ipv4/${name}`);
    return r.errno === 0 ? r.text.trim().split(/\s+/).filter((s) => s !== "") : [`errno ${r.errno}`];
  }

  /** The available CC list minus its baseline, in kernel order. */
  available(label: string): string {
    return this.see(`${label}: available (added)`, this.list("tcp_available_congestion_control").filter((n) => !this.baseAvailable.includes(n)).join(" "));
  }

  /** The allowed CC list minus its baseline. */
  allowed(label: string): string {
    return this.see(`${label}: allowed (added)`, this.list("tcp_allowed_congestion_control").filter((n) => !this.baseAllowed.includes(n)).join(" "));
  }

  /**
   * /proc/self/fdinfo/<fd> with IDs labelled and mnt_id/ino blanked. For a
   * program, pass its instructions: `prog_tag` then reads "sha256(insns)"
   * when it is the tag the kernel must compute for them (the two kernels'
   * kfunc BTF ids differ, so the same program has different bytes and tags).
   */
  fdinfo(label: string, fd: number, progInsns?: Uint8Array): string {
    const r = this.t.be.readFile(`/proc/self/fdinfo/${fd}`);
    if (r.errno !== 0) return this.see(`${label}: fdinfo`, `errno ${r.errno}`);
    const lines = r.text.split("\n").filter((l) => l !== "").map((l) => {
      const m = /^([a-z_]+):\t(.*)$/.exec(l);
      if (m === null) return l;
      const [, k, v] = m as unknown as [string, string, string];
      if (k === "mnt_id" || k === "ino") return `${k}:\t*`;
      if (k === "prog_tag" && progInsns !== undefined && v === progTag(progInsns)) return `${k}:\tsha256(insns)`;
      if (k === "link_id") return `${k}:\t${this.id("link", Number(v))}`;
      if (k === "map_id") return `${k}:\t${this.id("map", Number(v))}`;
      if (k === "prog_id") return `${k}:\t${this.id("prog", Number(v))}`;
      return l;
    });
    return this.see(`${label}: fdinfo`, lines.join("\n"));
  }
}

/**
 * bpf_prog_calc_tag as of 6.18: the first 8 bytes of the SHA-256 of the
 * instructions with the imm of map-fd / map-value ld_imm64 pairs cleared.
 */
export function progTag(insns: Uint8Array): string {
  const b = insns.slice();
  for (let pc = 0; pc + 16 <= b.length; pc += 8) {
    const src = ((b[pc + 1] ?? 0) >> 4) & 0xf;
    if (b[pc] === 0x18 && (src === 1 || src === 2)) {
      b.fill(0, pc + 4, pc + 8);
      b.fill(0, pc + 12, pc + 16);
      pc += 8;
    }
  }
  return createHash("sha256").update(b).digest("hex").slice(0, 16);
}

/**
 * Differences the emulated kernel has by design, each with its reason. A
 * diff step whose label and both values match an entry is printed as a
 * diagnostic instead of failing; everything else fails.
 */
export const KNOWN_DIVERGENCES: ReadonlyArray<{ readonly what: string; readonly why: string; match(d: RunDiff): boolean }> = [];

/** A step where the two runs differ. */
export interface RunDiff {
  readonly index: number;
  readonly label: string;
  readonly model: unknown;
  readonly linux: unknown;
}

/** Every step where the runs differ (also a missing step on either side). */
export function diffRuns(model: Run, linux: Run): RunDiff[] {
  const out: RunDiff[] = [];
  const n = Math.max(model.steps.length, linux.steps.length);
  for (let i = 0; i < n; i++) {
    const a = model.steps[i];
    const b = linux.steps[i];
    if (a !== undefined && b !== undefined && a.label === b.label && isDeepStrictEqual(a.value, b.value)) continue;
    out.push({ index: i, label: a?.label ?? b?.label ?? "?", model: a === undefined ? "(no step)" : a.value, linux: b === undefined ? "(no step)" : b.value });
  }
  return out;
}

/** Both sides of every difference, for the failure message. */
export function formatDiffs(scenario: string, diffs: readonly RunDiff[]): string {
  const show = (v: unknown): string => (typeof v === "string" ? v : inspect(v, { depth: 4, breakLength: 120 })).split("\n").join("\n      ");
  return `${scenario}: ${diffs.length} step(s) differ between the emulated kernel and Linux\n` +
    diffs.map((d) => `  step ${d.index} ${d.label}\n    model: ${show(d.model)}\n    linux: ${show(d.linux)}`).join("\n");
}
