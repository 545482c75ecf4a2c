/**
 * @fileoverview Static facts about a program's stack use that let the JIT
 * skip work the interpreter does on every call and run (vm/stack.ts),
 * without changing what any run can observe:
 *
 * - frameless functions: a bpf-to-bpf function that never names r10 and
 *   makes no call of any kind cannot form a pointer into its own frame, and
 *   nothing runs while it does (no helper, no nested run), so its caller need
 *   not open and close the frame in the permission shadow. Only a fault
 *   inside it can observe the difference (the interpreter leaves the frame
 *   of a faulting callee open until the next run's reset); the fault imports
 *   then open it (jit-runner.ts).
 * - stack reach (vm/stack-reach.ts, shared with the interpreter): the bytes
 *   of frame 0 a run can dirty, all the next run must zero when it used only
 *   frame 0.
 * - inlined leaves: a frameless function of a single block ending in exit is
 *   emitted in place of each call to it (compile.ts), with the call's depth
 *   check and its own budget check kept.
 */
import type { DecodedProg } from "../asm/decode.js";
import { KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALL_LOCAL, KEY_CALLX, KEY_LDDW } from "../asm/opcodes.js";
import type { Block, Cfg, Func } from "./cfg.js";

/** The slots of a block's instructions (a ld_imm64 once). */
function slotsOf(prog: DecodedProg, b: Block): number[] {
  const out: number[] = [];
  for (let i = b.start; i < b.end; i += (prog.key[i] as number) === KEY_LDDW ? 2 : 1) out.push(i);
  return out;
}

const isCall = (key: number): boolean => key === KEY_CALL_HELPER || key === KEY_CALLX || key === KEY_CALL_KFUNC || key === KEY_CALL_LOCAL;

/** Per function of `cfg` (Cfg.funcs index): whether it is frameless. Function 0 (the entry) never is. */
export function framelessFuncs(cfg: Cfg): boolean[] {
  const prog = cfg.prog;
  return cfg.funcs.map((f, fi) => {
    if (fi === 0) return false;
    for (const id of f.rpo) {
      for (const pc of slotsOf(prog, cfg.blocks[id] as Block)) {
        const key = prog.key[pc] as number;
        if (isCall(key) || prog.dst[pc] === 10 || prog.src[pc] === 10) return false;
      }
    }
    return true;
  });
}

/**
 * The block of function `fi` when calls to it are inlined: a frameless
 * function (frames.ts) of one block that ends in exit.
 */
export function inlineLeaf(cfg: Cfg, fi: number, frameless: readonly boolean[]): Block | undefined {
  const f = cfg.funcs[fi] as Func;
  if (frameless[fi] !== true || f.rpo.length !== 1) return undefined;
  const b = cfg.blocks[f.rpo[0] as number] as Block;
  return b.term === "exit" ? b : undefined;
}
