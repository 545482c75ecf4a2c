/**
 * @fileoverview The part of the verifier that decides, at BPF_PROG_LOAD,
 * whether a struct_ops program's stores through the kernel objects its hook
 * receives are allowed (kernel/bpf/verifier.c check_ptr_to_btf_access, which
 * asks the struct_ops type's `btf_struct_access`; for tcp_congestion_ops
 * that is net/ipv4/bpf_tcp_ca.c bpf_tcp_ca_btf_struct_access, v6.18).
 *
 * The model's verifier does not track every register the way Linux's does;
 * this pass tracks only what the check needs: which registers and 8-byte
 * stack slots hold the context, a frame pointer, or a pointer (with a
 * constant offset) to one of the hook's struct arguments. It is a forward
 * dataflow over the whole program (subprograms reached through bpf-to-bpf
 * calls included) where two paths that disagree leave a register untracked.
 * A store through a tracked struct pointer is checked; a store through an
 * untracked register is left to the run-time permission shadow, so the pass
 * never refuses what Linux accepts.
 */
import { BPF_ALU64, BPF_DW, BPF_K, BPF_LDX, BPF_MEM, BPF_ST, BPF_STX, BPF_ADD, BPF_SUB, BPF_MOV, BPF_JMP, BPF_JMP32, BPF_JA, BPF_EXIT } from "../uapi/insn.js";
import { BPF_CLASS, BPF_SIZE } from "../uapi/insn.js";
import { jumpTarget, KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_EXIT, KEY_LDDW } from "../asm/index.js";
import type { DecodedProg } from "../asm/index.js";

/** What a register or stack slot is known to hold: the context, a frame pointer, a struct pointer, or nothing known. */
type Val = { readonly k: "ctx" } | { readonly k: "fp"; readonly off: number } | { readonly k: "ptr"; readonly struct: string; readonly off: number } | null;

interface State {
  readonly regs: Val[];
  /** 8-byte spills by frame-pointer offset. */
  readonly stack: Map<number, Val>;
}

const same = (a: Val, b: Val): boolean =>
  a === b || (a !== null && b !== null && a.k === b.k && (a.k === "ctx" || ((a as { off: number }).off === (b as { off: number }).off && (a.k !== "ptr" || a.struct === (b as { struct: string }).struct))));

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
 * @returns the instructions the pass processed (visits, counting an instruction again when a path with new facts reaches it) and, when a store is refused, its instruction and the verifier log line
 */
export function checkBtfStructWrites(
  d: DecodedProg,
  argStructs: readonly (string | undefined)[],
  access: (struct: string, off: number, size: number) => string | null,
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
      for (let r = 0; r <= 5; r++) s.regs[r] = null;
      flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && (cls === BPF_JMP || cls === BPF_JMP32)) {
      const t = jumpTarget(d, pc);
      if (t !== undefined) flow(t, s);
      if ((code & 0xf0) !== BPF_JA) flow(pc + 1, s);
      continue;
    }
    if (key < 0x100 && (cls === BPF_STX || cls === BPF_ST) && (code & 0xe0) === BPF_MEM) {
      const size = BYTES[BPF_SIZE(code) >> 3] as number;
      const base = s.regs[dst] as Val;
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
      if (BPF_SIZE(code) === BPF_DW) {
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
      else if ((op === BPF_ADD || op === BPF_SUB) && v !== null && v.k !== "ctx") {
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
