/**
 * @fileoverview The part of the verifier that decides, at BPF_PROG_LOAD,
 * whether a program's accesses through the kernel objects it receives are
 * allowed: a struct_ops program's stores through its hook's struct
 * arguments (kernel/bpf/verifier.c check_ptr_to_btf_access, which asks the
 * struct_ops type's `btf_struct_access`; for tcp_congestion_ops that is
 * net/ipv4/bpf_tcp_ca.c bpf_tcp_ca_btf_struct_access, v6.18), and, with a
 * {@link CtxPolicy}, a tracing program's context accesses
 * (btf_ctx_access), its NULL checks of PTR_TO_BTF_ID_OR_NULL pointers
 * (mark_ptr_or_null_regs) and the pointers it passes to helpers
 * (check_reg_type).
 *
 * The model's verifier does not track every register the way Linux's does;
 * this pass tracks only what the checks need: which registers and 8-byte
 * stack slots hold the context, a frame pointer, or a pointer (with a
 * constant offset) to a kernel struct, possibly NULL until checked. It is a
 * forward dataflow over the whole program (subprograms reached through
 * bpf-to-bpf calls included) where two paths that disagree leave a register
 * untracked; a NULL check refines the register on each edge of the jump. An
 * access through an untracked register is left to the run-time permission
 * shadow, so the pass never refuses what Linux accepts.
 */
import { BPF_ALU64, BPF_DW, BPF_K, BPF_LDX, BPF_MEM, BPF_ST, BPF_STX, BPF_ADD, BPF_SUB, BPF_MOV, BPF_JMP, BPF_JMP32, BPF_JA, BPF_JEQ, BPF_JNE, BPF_EXIT } from "../uapi/insn.js";
import { BPF_CLASS, BPF_SIZE } from "../uapi/insn.js";
import { jumpTarget, KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_EXIT, KEY_LDDW } from "../asm/index.js";
import type { DecodedProg } from "../asm/index.js";

/** A pointer to a kernel struct: `orNull` (the id of the load or call that made it) until a NULL check; `trusted` as PTR_TRUSTED. */
export interface PtrVal {
  readonly k: "ptr";
  readonly struct: string;
  readonly off: number;
  readonly orNull?: number;
  readonly trusted?: boolean;
}

/** What a register or stack slot is known to hold: the context, a frame pointer, a struct pointer, or nothing known. */
export type Val = { readonly k: "ctx" } | { readonly k: "fp"; readonly off: number } | PtrVal | null;

/**
 * What a program type's context and helpers are, for the checks a tracing
 * program gets (struct_ops programs pass none).
 */
export interface CtxPolicy {
  /** A load of `size` bytes at `off` of the context (emitting pc `pc`): the value, or the log lines refusing it. */
  load(off: number, size: number, pc: number): { readonly val: Val } | { readonly refused: readonly string[] };
  /** A store into the context: the log lines refusing it (Linux refuses every one for tracing programs). */
  store(off: number, size: number): readonly string[];
  /** For helper `id`'s argument register `reg`: the types it expects when it takes a kernel struct pointer (the log's `expected=` list). */
  helperArg(id: number, reg: number): string | undefined;
  /** What helper `id` called at `pc` returns in r0. */
  helperRet(id: number, pc: number): Val;
}

/** How the verifier log names a pointer type (reg_type_str). */
function regTypeStr(v: PtrVal): string {
  return `${v.trusted === true ? "trusted_" : ""}ptr_${v.orNull !== undefined ? "or_null_" : ""}`;
}

interface State {
  readonly regs: Val[];
  /** 8-byte spills by frame-pointer offset. */
  readonly stack: Map<number, Val>;
}

const same = (a: Val, b: Val): boolean => {
  if (a === b) return true;
  if (a === null || b === null || a.k !== b.k) return false;
  if (a.k === "ctx") return true;
  if (a.k === "fp") return a.off === (b as { off: number }).off;
  const p = b as PtrVal;
  return a.struct === p.struct && a.off === p.off && a.orNull === p.orNull && a.trusted === p.trusted;
};

/** mark_ptr_or_null_regs: every copy of the pointer made at `id` becomes NULL (nothing tracked) or a checked pointer. */
function markPtrOrNull(s: State, id: number, isNull: boolean): State {
  const mark = (v: Val): Val => {
    if (v?.k !== "ptr" || v.orNull !== id) return v;
    if (isNull) return null;
    const { orNull: _, ...rest } = v;
    return rest;
  };
  const out = copy(s);
  for (let r = 0; r < 11; r++) out.regs[r] = mark(out.regs[r] as Val);
  for (const [o, v] of out.stack) out.stack.set(o, mark(v));
  return out;
}

function join(into: State, from: State): boolean {
  let changed = false;
  for (let r = 0; r < 11; r++) {
    if (into.regs[r] !== null && !same(into.regs[r] as Val, from.regs[r] as Val)) {
      into.regs[r] = null;
      changed = true;
    }
  }
  for (const [off, v] of into.stack) {
    if (v !== null && !same(v, from.stack.get(off) ?? null)) {
      into.stack.set(off, null);
      changed = true;
    }
  }
  return changed;
}

const copy = (s: State): State => ({ regs: [...s.regs], stack: new Map(s.stack) });

const BYTES = [4, 2, 1, 8]; // BPF_W, BPF_H, BPF_B, BPF_DW by (size >> 3)

/**
 * Checks every store of the program through a pointer to one of the hook's
 * struct arguments with `access` (the struct_ops type's btf_struct_access).
 * @param argStructs for each u64 of the hook's context, the struct its pointer argument points to (undefined: not a struct pointer)
 * @param access the type's rule: null when a write of `size` bytes at `off` of `struct` is allowed, else the log line
 * @param policy a tracing program's context and helper rules (absent for struct_ops)
 * @param refuseAt instructions do_check refuses when it reaches them, with the log line (check_kfunc_call's "calling kernel function NAME is not allowed")
 * @returns the instructions the pass processed (visits, counting an instruction again when a path with new facts reaches it) and, when an access is refused, its instruction and the verifier log line(s)
 */
export function checkBtfStructWrites(
  d: DecodedProg,
  argStructs: readonly (string | undefined)[],
  access: (struct: string, off: number, size: number) => string | null,
  policy?: CtxPolicy,
  refuseAt?: ReadonlyMap<number, string>,
): { readonly processed: number; readonly refused?: { readonly pc: number; readonly msg: string } } {
  const states = new Array<State | undefined>(d.length);
  const entry: State = { regs: Array<Val>(11).fill(null), stack: new Map() };
  entry.regs[1] = { k: "ctx" };
  entry.regs[10] = { k: "fp", off: 0 };
  states[0] = entry;
  const work = [0];
  let processed = 0;
  const flow = (pc: number, s: State): void => {
    const cur = states[pc];
    if (cur === undefined) {
      states[pc] = copy(s);
      work.push(pc);
    } else if (join(cur, s)) work.push(pc);
  };
  while (work.length > 0) {
    const pc = work.pop() as number;
    processed++;
    const refusal = refuseAt?.get(pc);
    if (refusal !== undefined) return { processed, refused: { pc, msg: refusal } };
    const s = copy(states[pc] as State);
    const key = d.key[pc] as number;
    const code = d.code[pc] as number;
    const cls = BPF_CLASS(code);
    const dst = d.dst[pc] as number;
    const src = d.src[pc] as number;
    const off = d.off[pc] as number;
    const imm = d.imm[pc] as number;
    if (key === KEY_EXIT || (key < 0x100 && (cls === BPF_JMP || cls === BPF_JMP32) && (code & 0xf0) === BPF_EXIT)) continue;
    if (key === KEY_LDDW) {
      s.regs[dst] = null;
      flow(pc + 2, s);
      continue;
    }
    if (key === KEY_CALL_LOCAL) {
      // The callee gets r1-r5 and a fresh frame; the caller resumes with r0-r5 clobbered.
      const callee: State = { regs: Array<Val>(11).fill(null), stack: new Map() };
      for (let r = 1; r <= 5; r++) callee.regs[r] = s.regs[r] as Val;
      callee.regs[10] = { k: "fp", off: 0 };
      flow(jumpTarget(d, pc) as number, callee);
      for (let r = 0; r <= 5; r++) s.regs[r] = null;
      flow(pc + 1, s);
      continue;
    }
    if (key === KEY_CALL_HELPER || key === KEY_CALL_KFUNC) {
      if (policy !== undefined && key === KEY_CALL_HELPER) {
        for (let r = 1; r <= 5; r++) {
          const want = policy.helperArg(imm, r);
          const v = s.regs[r] as Val;
          if (want !== undefined && v?.k === "ptr" && v.orNull !== undefined) {
            return { processed, refused: { pc, msg: `R${r} type=${regTypeStr(v)} expected=${want}` } };
          }
        }
      }
      for (let r = 0; r <= 5; r++) s.regs[r] = null;
      if (policy !== undefined && key === KEY_CALL_HELPER) s.regs[0] = policy.helperRet(imm, pc);
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && (cls === BPF_JMP || cls === BPF_JMP32)) {
      const t = jumpTarget(d, pc);
      const op = code & 0xf0;
      const v = s.regs[dst] as Val;
      // A 64-bit compare of a maybe-NULL pointer with 0: each edge knows which it is.
      if (cls === BPF_JMP && (code & 0x08) === BPF_K && imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && v?.k === "ptr" && v.orNull !== undefined) {
        if (t !== undefined) flow(t, markPtrOrNull(s, v.orNull, op === BPF_JEQ));
        flow(pc + 1, markPtrOrNull(s, v.orNull, op === BPF_JNE));
        continue;
      }
      if (t !== undefined) flow(t, s);
      if (op !== BPF_JA) flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && (cls === BPF_STX || cls === BPF_ST) && (code & 0xe0) === BPF_MEM) {
      const size = BYTES[BPF_SIZE(code) >> 3] as number;
      const base = s.regs[dst] as Val;
      if (policy !== undefined && base?.k === "ctx") {
        const lines = policy.store(off, size);
        if (lines.length > 0) return { processed, refused: { pc, msg: lines.join("\n") } };
      }
      if (base?.k === "ptr" && base.orNull !== undefined) return { processed, refused: { pc, msg: `R${dst} invalid mem access '${regTypeStr(base)}'` } };
      if (base?.k === "ptr") {
        const msg = access(base.struct, base.off + off, size);
        if (msg !== null) return { processed, refused: { pc, msg } };
      } else if (base?.k === "fp") {
        const at = base.off + off;
        for (const o of [...s.stack.keys()]) if (o < at + size && at < o + 8) s.stack.delete(o);
        if (cls === BPF_STX && size === 8) s.stack.set(at, s.regs[src] as Val);
      }
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && cls === BPF_STX) {
      // Atomics: r0 or src may be written with the old value.
      s.regs[0] = null;
      s.regs[src] = null;
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && cls === BPF_LDX && (code & 0xe0) === BPF_MEM) {
      const base = s.regs[src] as Val;
      let v: Val = null;
      if (base?.k === "ptr" && base.orNull !== undefined) return { processed, refused: { pc, msg: `R${src} invalid mem access '${regTypeStr(base)}'` } };
      if (policy !== undefined && base?.k === "ctx") {
        const r = policy.load(off, BYTES[BPF_SIZE(code) >> 3] as number, pc);
        if ("refused" in r) return { processed, refused: { pc, msg: r.refused.join("\n") } };
        v = r.val;
      } else if (BPF_SIZE(code) === BPF_DW) {
        if (base?.k === "ctx" && off % 8 === 0) {
          const struct = argStructs[off / 8];
          v = struct === undefined ? null : { k: "ptr", struct, off: 0 };
        } else if (base?.k === "fp") v = s.stack.get(base.off + off) ?? null;
      }
      s.regs[dst] = v;
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && cls === BPF_ALU64 && (code & 0x08) === BPF_K) {
      const op = code & 0xf0;
      const v = s.regs[dst] as Val;
      if (op === BPF_MOV) s.regs[dst] = null;
      else if ((op === BPF_ADD || op === BPF_SUB) && v !== null && v.k !== "ctx" && (v.k !== "ptr" || v.orNull === undefined)) {
        const delta = op === BPF_ADD ? imm : -imm;
        s.regs[dst] = v.k === "fp" ? { k: "fp", off: v.off + delta } : { ...v, off: v.off + delta };
      } else s.regs[dst] = null;
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && cls === BPF_ALU64 && (code & 0xf0) === BPF_MOV && off === 0) {
      s.regs[dst] = s.regs[src] as Val;
      flow(pc + 1, s);
      continue;
    }
    // Any other ALU, byte swap, sign extension or load: the destination is no longer tracked.
    if (dst <= 10) s.regs[dst] = null;
    flow(pc + 1, s);
  }
  return { processed };
}
