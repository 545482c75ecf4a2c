/**
 * @fileoverview Which bpf-to-bpf callees the interpreter may run without
 * opening their stack frame (vm/stack.ts), the same fact the JIT uses
 * (jit/frames.ts): a function that never names r10 and makes no call of any
 * kind cannot form a pointer into its own frame, and nothing else runs while
 * it does, so opening and closing the frame's permission shadow can wait
 * until a fault inside it (then vm/interp.ts opens it, leaving the memory a
 * faulting run leaves in any case). A callee that also never writes r6-r9
 * needs no save and restore of them either.
 *
 * A function is every slot reachable from its entry without following calls
 * (as jit/cfg.ts builds them).
 */
import type { DecodedProg } from "../asm/decode.js";
import { jumpTarget } from "../asm/decode.js";
import { KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX, KEY_EXIT, KEY_FALLOFF, KEY_LDDW } from "../asm/opcodes.js";
import { BPF_JA, BPF_JMP, BPF_JMP32 } from "../uapi/insn.js";

/** A call to this callee may skip opening its frame. */
export const CALL_FRAMELESS = 1;
/** …and the callee never writes r6-r9: no save and restore. */
export const CALL_KEEPS_R6_R9 = 2;

const isJa = (key: number): boolean => key === (BPF_JMP | BPF_JA) || key === (BPF_JMP32 | BPF_JA);

/** The CALL_* flags of a call to the function starting at `entry` (0: an ordinary call). */
export function calleeFlags(prog: DecodedProg, entry: number): number {
  const seen = new Uint8Array(prog.length + 1);
  const work = [entry];
  seen[entry] = 1;
  let writes = false;
  while (work.length > 0) {
    const i = work.pop() as number;
    const key = prog.key[i] as number;
    if (key === KEY_FALLOFF) continue;
    if (key === KEY_CALL_LOCAL || key === KEY_CALL_HELPER || key === KEY_CALL_KFUNC || key === KEY_CALLX) return 0;
    const d = prog.dst[i] as number;
    const s = prog.src[i] as number;
    if (d === 10 || s === 10) return 0;
    // Conservative: any instruction naming r6-r9 as dst, or an atomic's src (fetch forms write it).
    if ((d >= 6 && d <= 9) || (key >= 0x120 && key < 0x140 && s >= 6 && s <= 9)) writes = true;
    if (key === KEY_EXIT) continue;
    const next: number[] = [];
    const t = jumpTarget(prog, i);
    if (t !== undefined) next.push(t);
    if (!isJa(key)) next.push(i + (key === KEY_LDDW ? 2 : 1));
    for (const n of next) {
      if (n >= 0 && n <= prog.length && seen[n] === 0) {
        seen[n] = 1;
        work.push(n);
      }
    }
  }
  return writes ? CALL_FRAMELESS : CALL_FRAMELESS | CALL_KEEPS_R6_R9;
}
