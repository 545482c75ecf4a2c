/**
 * @fileoverview Builds the BpfFault of each way a run can fail, and performs
 * helper and kfunc calls (the cold paths of the interpreter, kept out of its
 * loop).
 *
 * Messages name the program, the instruction in llvm-objdump spelling and,
 * for memory faults, the 64-bit address, the size and the access kind:
 * `prog "cc_init": invalid read of 4 bytes at 0x0000000000000010 (insn 3: r0 = *(u32 *)(r1 + 16))`.
 */
import { describeInsn } from "../asm/disasm.js";
import { BpfFault, MAX_CALL_FRAMES } from "../kernel/prog/runner.js";
import type { BpfCallFn } from "../kernel/prog/runner.js";
import { setU64, toU64 } from "./alu64.js";

/** What a fault message needs to know about the program. */
export interface FaultSource {
  readonly name: string;
  readonly insns: Uint8Array;
}

/** How a memory access uses memory. */
export type AccessKind = "read" | "write" | "atomic";

const where = (p: FaultSource, pc: number): string => `(${describeInsn(p.insns, pc)})`;
const hex64 = (v: bigint): string => `0x${v.toString(16).padStart(16, "0")}`;

/** A load, store or atomic outside the memory the program may touch. */
export function memFault(p: FaultSource, pc: number, lo: number, hi: number, off: number, size: number, kind: AccessKind): BpfFault {
  const addr = BigInt.asUintN(64, toU64(lo, hi) + BigInt(off));
  const what = kind === "atomic" ? "atomic access" : kind;
  return new BpfFault("mem", pc, `prog "${p.name}": invalid ${what} of ${size} bytes at ${hex64(addr)} ${where(p, pc)}`);
}

/** The instruction budget ran out before `pc` executed. */
export function budgetFault(p: FaultSource, pc: number, budget: number): BpfFault {
  return new BpfFault("budget", pc, `prog "${p.name}": instruction budget of ${budget} exhausted ${where(p, pc)}`);
}

/** An instruction the engine cannot run was reached. */
export function insnFault(p: FaultSource, pc: number, reason: string): BpfFault {
  return new BpfFault("insn", pc, `prog "${p.name}": ${reason} ${where(p, pc)}`);
}

/** A bpf-to-bpf call would exceed MAX_CALL_FRAMES. */
export function stackFault(p: FaultSource, pc: number): BpfFault {
  return new BpfFault("stack", pc, `prog "${p.name}": the call stack is too deep: more than ${MAX_CALL_FRAMES} frames ${where(p, pc)}`);
}

/**
 * Calls helper or kfunc `id` from `table` with r1..r5 and stores the result
 * in r0. r1-r5 keep their values (the kernel clobbers them; a verified
 * program never reads them after a call, and leaving them is deterministic).
 * @throws {BpfFault} "call" when `id` is unknown, the function throws, or it
 * does not return a bigint.
 */
export function callOut(
  p: FaultSource,
  table: ReadonlyMap<number, BpfCallFn>,
  what: "helper" | "kfunc",
  id: number,
  L: Int32Array,
  H: Int32Array,
  pc: number,
): void {
  const fn = table.get(id);
  if (fn === undefined) throw new BpfFault("call", pc, `prog "${p.name}": call to unknown ${what} ${id} ${where(p, pc)}`);
  let ret: unknown;
  try {
    ret = fn(
      toU64(L[1] as number, H[1] as number),
      toU64(L[2] as number, H[2] as number),
      toU64(L[3] as number, H[3] as number),
      toU64(L[4] as number, H[4] as number),
      toU64(L[5] as number, H[5] as number),
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const fault = new BpfFault("call", pc, `prog "${p.name}": ${what} ${id} failed: ${msg} ${where(p, pc)}`);
    Object.defineProperty(fault, "cause", { value: e, enumerable: false, configurable: true, writable: true });
    throw fault;
  }
  if (typeof ret !== "bigint") {
    throw new BpfFault("call", pc, `prog "${p.name}": ${what} ${id} returned ${typeof ret}, not a bigint ${where(p, pc)}`);
  }
  setU64(L, H, 0, BigInt.asUintN(64, ret));
}
