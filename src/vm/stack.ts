/**
 * @fileoverview The program stack of one run: MAX_CALL_FRAMES frames of
 * MAX_BPF_STACK bytes in the kernel's linear memory (kernel/bpf/core.c gives
 * each frame its own stack as well; the verifier's MAX_CALL_FRAMES bounds the
 * depth).
 *
 * Layout, high addresses first: a guard, frame 0 (the main program), a
 * guard, frame 1, … Frame k's r10 is the address just past its last byte.
 * Guards never have a permission, so an access just beyond a frame faults.
 * Only frames 0..depth are readable and writable; a frame gets RW when a call
 * enters it and loses it when the call returns, so a pointer into a finished
 * frame faults.
 *
 * Zeroing: the frames the previous run used are zeroed when the next run
 * starts (the kernel does not zero stacks; it relies on the verifier to
 * reject reads of uninitialised slots). Every run therefore starts from
 * zeroed frames, and a run's result depends only on its inputs and the
 * memory it reads. Frames are not zeroed again on each call within a run.
 */
import type { KernelMemory } from "../kernel/mem/memory.js";
import { PERM_RW } from "../kernel/mem/memory.js";
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from "../kernel/prog/runner.js";

/** Bytes of no-permission memory around each frame. */
export const STACK_GUARD = 64;
const STRIDE = MAX_BPF_STACK + STACK_GUARD;
/** Distance between the tops of consecutive frames (vm/interp.ts spells it as a literal; a test checks). */
export const STACK_STRIDE = STRIDE;

/** One run's stack frames. */
export class StackRegion {
  /** Address of the allocation (freed by dispose). */
  readonly base: number;
  /** r10 of frame 0. */
  readonly top: number;
  /** Deepest frame index entered since the last reset. */
  maxDepth = 0;

  constructor(private readonly mem: KernelMemory) {
    const size = STACK_GUARD + MAX_CALL_FRAMES * STRIDE;
    const base = mem.alloc(size, 0);
    if (base === 0) throw new RangeError(`Cannot allocate a BPF stack as kernel memory is exhausted: ${size} bytes wanted`);
    this.base = base;
    this.top = base + size - STACK_GUARD;
    mem.protect(this.frameTop(0) - MAX_BPF_STACK, MAX_BPF_STACK, PERM_RW);
  }

  /** r10 of frame `k` (0 = main program). */
  frameTop(k: number): number {
    return this.top - k * STRIDE;
  }

  /**
   * Zeroes the frames used since the last reset and revokes frames deeper
   * than 0. `reach` (bytes below frame 0's top) narrows the zeroing when only
   * frame 0 was used and the caller knows no run could touch more of it
   * (jit/frames.ts); the result is the same memory.
   */
  reset(reach = MAX_BPF_STACK): void {
    if (this.maxDepth === 0) {
      if (reach > 0) this.mem.u8.fill(0, this.top - reach, this.top);
      return;
    }
    const lowest = this.frameTop(this.maxDepth) - MAX_BPF_STACK;
    this.mem.u8.fill(0, lowest, this.frameTop(0));
    for (let k = 1; k <= this.maxDepth; k++) this.mem.protect(this.frameTop(k) - MAX_BPF_STACK, MAX_BPF_STACK, 0);
    this.maxDepth = 0;
  }

  /** Opens frame `k` for a bpf-to-bpf call. */
  enter(k: number): void {
    if (k > this.maxDepth) this.maxDepth = k;
    this.mem.protect(this.frameTop(k) - MAX_BPF_STACK, MAX_BPF_STACK, PERM_RW);
  }

  /** Closes frame `k` when its call returns. */
  leave(k: number): void {
    this.mem.protect(this.frameTop(k) - MAX_BPF_STACK, MAX_BPF_STACK, 0);
  }

  /** Returns the memory to the kernel allocator. */
  free(): void {
    this.mem.free(this.base);
  }
}
