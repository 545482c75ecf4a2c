/**
 * @fileoverview A struct_ops map's kdata seen as a TcpCongestionOps: each
 * hook the map implements runs its BPF program with the `BPF_PROG` context
 * (an array of u64 arguments) in the kernel's memory.
 *
 * The struct_ops trampoline of Linux (kernel/bpf/bpf_struct_ops.c,
 * arch_prepare_bpf_trampoline) stores the hook's arguments into a u64 array
 * and passes its address as r1; this adapter does the same. Contexts nest
 * (bpf_setsockopt from init runs another CA's init), so each nesting depth
 * has its own argument area.
 */
import { PERM_READ } from "../../kernel/mem/memory.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { StructOpsKdata } from "../../kernel/struct-ops/kdata.js";
import type { AckSample, RateSample, TcpCaSock, TcpCongestionOps } from "./ca-types.js";

/** Offsets of `name` and `flags` in tcp_congestion_ops, from BTF. */
export interface TcpOpsLayout {
  readonly name: number;
  readonly flags: number;
  /** struct rate_sample field offsets by name, and its size. */
  readonly rateSample: { readonly size: number; readonly fields: Readonly<Record<string, { offset: number; size: number }>> };
}

const MAX_DEPTH = 8;

/**
 * Argument areas for nested struct_ops calls, one per nesting depth,
 * allocated when the subsystem boots (the trampoline's stack frame in Linux):
 * kernel memory they hold is part of the boot state, not of any hook call.
 */
export class HookFrames {
  private readonly ctx: number[] = [];
  private readonly scratch: number[] = [];
  /** The socket each entered level's hook runs on. */
  private readonly socks: (TcpCaSock | null)[] = [];
  private depth = 0;

  constructor(
    private readonly kernel: Kernel,
    rsSize: number,
  ) {
    for (let i = 0; i < MAX_DEPTH; i++) {
      this.ctx.push(kernel.mem.alloc(8 * 6, PERM_READ));
      this.scratch.push(kernel.mem.alloc(Math.max(16, rsSize), PERM_READ));
      this.socks.push(null);
    }
    if (this.ctx.includes(0) || this.scratch.includes(0)) throw new RangeError("Cannot boot tcp_congestion_ops hooks: kernel memory is full");
  }

  /** Enters the next nesting depth for a hook on `sk`: returns its level, for {@link ctxAt}, {@link scratchAt} and {@link leave}. */
  enter(sk: TcpCaSock): number {
    if (this.depth >= MAX_DEPTH) throw new RangeError("struct_ops hooks nested too deep");
    this.socks[this.depth] = sk;
    return this.depth++;
  }

  /** Leaves the depth {@link enter} returned. */
  leave(): void {
    this.socks[--this.depth] = null;
  }

  /** The socket of the innermost hook running (the one its kfuncs are usually given), or null. */
  hookSock(): TcpCaSock | null {
    return this.depth === 0 ? null : (this.socks[this.depth - 1] as TcpCaSock | null);
  }

  /** The u64 argument array of nesting level `level`. */
  ctxAt(level: number): number {
    return this.ctx[level] as number;
  }

  /** The sample area (struct ack_sample, struct rate_sample) of nesting level `level`. */
  scratchAt(level: number): number {
    return this.scratch[level] as number;
  }

  /** Frees the areas (kernel teardown and leak accounting). */
  dispose(): void {
    for (const a of [...this.ctx, ...this.scratch]) this.kernel.mem.free(a);
    this.ctx.length = 0;
    this.scratch.length = 0;
  }
}

function cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
}

/**
 * Builds the TcpCongestionOps of a struct_ops kdata. Name and flags are read
 * from kdata when the ops are made (after init_member filled them).
 *
 * Each hook is a function of its own (no closure or lookup per call: they
 * run on every ACK): it takes the member's program from kdata by the index
 * found here, enters a nesting level, stores the arguments as u64 slots and
 * runs the program with r1 = the slots' address. r0's low 32 bits are the
 * result: every hook returns u32 or void (BpfProg.runCtx: no BigInt either way).
 */
export function bpfTcpOps(kernel: Kernel, kdata: StructOpsKdata, layout: TcpOpsLayout, frames: HookFrames): TcpCongestionOps {
  const dv0 = new DataView(kdata.data.buffer, kdata.data.byteOffset);
  const name = cstr(kdata.data.subarray(layout.name, layout.name + 16));
  const ops: TcpCongestionOps = { name, flags: dv0.getUint32(layout.flags, true), key: 0 };
  const mem = kernel.mem;
  const progs = kdata.progs;

  // A u32 argument (pointers included: kernel addresses are below 2^32) as its u64 slot.
  const u32 = (ctx: number, i: number, v: number): void => {
    const dv = mem.dv;
    dv.setUint32(ctx + 8 * i, v, true);
    dv.setUint32(ctx + 8 * i + 4, 0, true);
  };
  // Runs the program of member slot `i` (read at each call: reset clears it) with the socket (and `a`) as arguments.
  const sk1 = (i: number, sk: TcpCaSock): number => {
    const prog = progs[i] ?? null;
    if (prog === null) return 0;
    const lv = frames.enter(sk);
    try {
      const ctx = frames.ctxAt(lv);
      u32(ctx, 0, sk.addr);
      return prog.runCtx(ctx);
    } finally {
      frames.leave();
    }
  };
  const sk2 = (i: number, sk: TcpCaSock, a: number): number => {
    const prog = progs[i] ?? null;
    if (prog === null) return 0;
    const lv = frames.enter(sk);
    try {
      const ctx = frames.ctxAt(lv);
      u32(ctx, 0, sk.addr);
      u32(ctx, 1, a);
      return prog.runCtx(ctx);
    } finally {
      frames.leave();
    }
  };
  const index = (m: string): number => kdata.memberIndex(m);
  const has = (m: string): boolean => kdata.prog(m) !== null;

  if (has("ssthresh")) {
    const i = index("ssthresh");
    ops.ssthresh = (sk) => sk1(i, sk);
  }
  if (has("cong_avoid")) {
    const i = index("cong_avoid");
    ops.cong_avoid = (sk, ack, acked) => {
      const prog = progs[i] ?? null;
      if (prog === null) return;
      const lv = frames.enter(sk);
      try {
        const ctx = frames.ctxAt(lv);
        u32(ctx, 0, sk.addr);
        u32(ctx, 1, ack >>> 0);
        u32(ctx, 2, acked >>> 0);
        prog.runCtx(ctx);
      } finally {
        frames.leave();
      }
    };
  }
  if (has("set_state")) {
    const i = index("set_state");
    ops.set_state = (sk, s) => void sk2(i, sk, s & 0xff);
  }
  if (has("cwnd_event")) {
    const i = index("cwnd_event");
    ops.cwnd_event = (sk, ev) => void sk2(i, sk, ev >>> 0);
  }
  if (has("in_ack_event")) {
    const i = index("in_ack_event");
    ops.in_ack_event = (sk, f) => void sk2(i, sk, f >>> 0);
  }
  if (has("pkts_acked")) {
    const i = index("pkts_acked");
    ops.pkts_acked = (sk: TcpCaSock, s: AckSample) => {
      const prog = progs[i] ?? null;
      if (prog === null) return;
      const lv = frames.enter(sk);
      try {
        const ctx = frames.ctxAt(lv);
        const scratch = frames.scratchAt(lv);
        const dv = mem.dv;
        dv.setUint32(scratch, s.pkts_acked >>> 0, true);
        dv.setInt32(scratch + 4, s.rtt_us | 0, true);
        dv.setUint32(scratch + 8, s.in_flight >>> 0, true);
        u32(ctx, 0, sk.addr);
        u32(ctx, 1, scratch);
        prog.runCtx(ctx);
      } finally {
        frames.leave();
      }
    };
  }
  if (has("min_tso_segs")) {
    const i = index("min_tso_segs");
    ops.min_tso_segs = (sk) => sk1(i, sk);
  }
  if (has("cong_control")) {
    const i = index("cong_control");
    ops.cong_control = (sk, ack, flag, rs: RateSample) => {
      const prog = progs[i] ?? null;
      if (prog === null) return;
      const lv = frames.enter(sk);
      try {
        const ctx = frames.ctxAt(lv);
        const scratch = frames.scratchAt(lv);
        writeRateSample(mem.dv, scratch, layout.rateSample, rs);
        u32(ctx, 0, sk.addr);
        u32(ctx, 1, ack >>> 0);
        // int flag: sign-extended to its u64 slot.
        mem.dv.setInt32(ctx + 16, flag | 0, true);
        mem.dv.setInt32(ctx + 20, (flag | 0) >> 31, true);
        u32(ctx, 3, scratch);
        prog.runCtx(ctx);
      } finally {
        frames.leave();
      }
    };
  }
  if (has("undo_cwnd")) {
    const i = index("undo_cwnd");
    ops.undo_cwnd = (sk) => sk1(i, sk);
  }
  if (has("sndbuf_expand")) {
    const i = index("sndbuf_expand");
    ops.sndbuf_expand = (sk) => sk1(i, sk);
  }
  if (has("init")) {
    const i = index("init");
    ops.init = (sk) => void sk1(i, sk);
  }
  if (has("release")) {
    const i = index("release");
    ops.release = (sk) => void sk1(i, sk);
  }
  return ops;
}

/** One member of struct rate_sample as writeRateSample stores it: its RateSample key, offset and size. */
interface RateSampleSlot {
  readonly key: keyof RateSample;
  readonly offset: number;
  readonly size: number;
}
/** Each layout's members as a flat list, made once (Object.entries on every ACK allocated). */
const RATE_SAMPLE_SLOTS = new WeakMap<TcpOpsLayout["rateSample"], readonly RateSampleSlot[]>();
function rateSampleSlots(rs: TcpOpsLayout["rateSample"]): readonly RateSampleSlot[] {
  let slots = RATE_SAMPLE_SLOTS.get(rs);
  if (slots === undefined) {
    slots = Object.entries(rs.fields).map(([key, f]) => ({ key: key as keyof RateSample, offset: f.offset, size: f.size }));
    RATE_SAMPLE_SLOTS.set(rs, slots);
  }
  return slots;
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * Stores `v` at `at` as struct rate_sample: members the sample lacks are zero, u64 and long members
 * modulo 2^64 (a number in int32 or u32 range as two u32 stores, no BigInt), the rest truncated.
 */
function writeRateSample(dv: DataView, at: number, rs: TcpOpsLayout["rateSample"], v: RateSample): void {
  new Uint8Array(dv.buffer, at, rs.size).fill(0);
  const slots = rateSampleSlots(rs);
  for (let i = 0; i < slots.length; i++) {
    const f = slots[i] as RateSampleSlot;
    const raw = v[f.key] as number | bigint | boolean | undefined;
    if (raw === undefined) continue;
    const p = at + f.offset;
    if (typeof raw === "bigint") {
      if (f.size === 8) dv.setBigUint64(p, raw >= 0n && raw <= U64_MAX ? raw : BigInt.asUintN(64, raw), true);
      else storeSmall(dv, p, f.size, Number(raw));
      continue;
    }
    const n = typeof raw === "boolean" ? (raw ? 1 : 0) : raw;
    if (f.size !== 8) storeSmall(dv, p, f.size, n);
    else if ((n | 0) === n || n >>> 0 === n) {
      dv.setUint32(p, n >>> 0, true);
      dv.setUint32(p + 4, (n | 0) === n ? n >> 31 : 0, true);
    } else dv.setBigUint64(p, BigInt.asUintN(64, BigInt(n)), true);
  }
}

function storeSmall(dv: DataView, p: number, size: number, n: number): void {
  if (size === 4) dv.setUint32(p, n >>> 0, true);
  else if (size === 1) dv.setUint8(p, n & 0xff);
  else if (size === 2) dv.setUint16(p, n & 0xffff, true);
}

/** Signed members of struct rate_sample (s32 / long); the rest are unsigned or bool. */
const RATE_SAMPLE_SIGNED = new Set(["delivered", "delivered_ce", "interval_us", "snd_interval_us", "rcv_interval_us", "rtt_us", "losses"]);

/**
 * Reads a `struct rate_sample` at `at` (a kfunc such as bbr_main receiving the
 * one a BPF hook was given): the inverse of writeRateSample, signed where C is.
 */
export function readRateSample(dv: DataView, at: number, rs: TcpOpsLayout["rateSample"]): RateSample {
  const out: Record<string, number | bigint | boolean> = {
    prior_mstamp: 0n, prior_delivered: 0, prior_delivered_ce: 0, delivered: 0, delivered_ce: 0, interval_us: 0,
    snd_interval_us: 0, rcv_interval_us: 0, rtt_us: 0, losses: 0, acked_sacked: 0, prior_in_flight: 0, last_end_seq: 0,
    is_app_limited: false, is_retrans: false, is_ack_delayed: false,
  };
  for (const [k, f] of Object.entries(rs.fields)) {
    const prev = out[k];
    if (prev === undefined) continue;
    const signed = RATE_SAMPLE_SIGNED.has(k);
    let n: number | bigint;
    if (f.size === 8) n = signed ? dv.getBigInt64(at + f.offset, true) : dv.getBigUint64(at + f.offset, true);
    else if (f.size === 4) n = signed ? dv.getInt32(at + f.offset, true) : dv.getUint32(at + f.offset, true);
    else if (f.size === 2) n = dv.getUint16(at + f.offset, true);
    else n = dv.getUint8(at + f.offset);
    out[k] = typeof prev === "boolean" ? Number(n) !== 0 : typeof prev === "bigint" ? BigInt(n) : Number(n);
  }
  return out as unknown as RateSample;
}
