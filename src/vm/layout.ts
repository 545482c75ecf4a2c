/**
 * @fileoverview The interpreter's working array ("ram"): one Int32Array per
 * prepared program holding the register file and the packed code.
 *
 *   ram[0..16)    low 32 bits of r0-r10 (11-15 unused)
 *   ram[16..32)   high 32 bits of r0-r10
 *   ram[32 + 4i]  slot i: key | dst << 16 | src << 20
 *   ram[33 + 4i]  off, or the absolute target slot of a jump / local call
 *   ram[34 + 4i]  imm
 *   ram[35 + 4i]  for ld_imm64, the high 32 bits of the immediate; for a
 *                 bpf-to-bpf call, the callee's CALL_* flags (vm/frameless.ts)
 *
 * followed by the KEY_FALLOFF sentinel slot. A mov64 followed by an ALU
 * operation on its dst becomes a superinstruction (vm/fuse.ts). Keeping registers and code in
 * one typed array lets V8 reload one backing store and bound per
 * instruction instead of three (about 15% of the loop's time). vm/interp.ts
 * spells these offsets as literals, because imported constants are loaded
 * from module cells at run time; a test checks they agree.
 */
import { jumpTarget } from "../asm/decode.js";
import type { DecodedProg } from "../asm/decode.js";
import { KEY_CALL_LOCAL } from "../asm/opcodes.js";
import { calleeFlags } from "./frameless.js";
import { fusePairs } from "./fuse.js";

/** Offset of the registers' high halves. */
export const RAM_HI = 16;
/** Offset of slot 0. */
export const RAM_CODE = 32;

/** Builds a program's ram: zeroed registers, then its slots and the sentinel. */
export function packProgram(prog: DecodedProg): Int32Array {
  const ram = new Int32Array(RAM_CODE + (prog.length + 1) * 4);
  const flags = new Map<number, number>();
  for (let i = 0; i < prog.length; i++) {
    const p = RAM_CODE + i * 4;
    ram[p] = (prog.key[i] as number) | ((prog.dst[i] as number) << 16) | ((prog.src[i] as number) << 20);
    const t = jumpTarget(prog, i);
    ram[p + 1] = t === undefined ? (prog.off[i] as number) : t;
    ram[p + 2] = prog.imm[i] as number;
    ram[p + 3] = prog.imm2[i] as number;
    if (prog.key[i] === KEY_CALL_LOCAL && t !== undefined) {
      let f = flags.get(t);
      if (f === undefined) {
        f = calleeFlags(prog, t);
        flags.set(t, f);
      }
      ram[p + 3] = f;
    }
  }
  ram[RAM_CODE + prog.length * 4] = prog.key[prog.length] as number;
  fusePairs(ram, RAM_CODE, prog.length);
  return ram;
}
