/**
 * @fileoverview The eBPF -> WebAssembly JIT as a {@link ProgRunner} ("jit"):
 * prepare decodes and translates a program once (compile.ts) and
 * instantiates the module against the kernel's own WebAssembly.Memory; run
 * sets up the stack exactly as the interpreter does (vm/stack.ts) and calls
 * the module's `main`.
 *
 * The imports are the cold paths: fault reporters that build the same
 * BpfFault as the interpreter (vm/faults.ts: kind, slot, message) and set
 * `lastInsnCount` as the interpreter would, and helper and kfunc wrappers
 * that convert i64 to the seam's u64 bigints and turn a helper's exception
 * into the interpreter's "call" fault (a helper's narrow form, BpfNarrowCall,
 * is called on numbers, with the same fault). The interpreter stays the reference:
 * test/jit compares the two on thousands of generated programs.
 */
import { BpfDecodeError, decode } from "../asm/decode.js";
import { describeInsn } from "../asm/disasm.js";
import type { DecodedProg } from "../asm/decode.js";
import { KEY_FALLOFF, KEY_LDDW } from "../asm/opcodes.js";
import { BpfFault, DEFAULT_INSN_BUDGET } from "../kernel/prog/runner.js";
import type { BpfCallFn, PreparedProg, ProgImage, ProgRunner, RunnerOptions } from "../kernel/prog/runner.js";
import type { KernelMemory } from "../kernel/mem/memory.js";
import { SMALL_U64 } from "../vm/alu64.js";
import { budgetFault, insnFault, memFault, stackFault } from "../vm/faults.js";
import type { AccessKind } from "../vm/faults.js";
import { StackRegion } from "../vm/stack.js";
import type { Cfg } from "./cfg.js";
import { EXIT_MAX_DEPTH, EXIT_R0, IMPORT_MODULE, funcName, narrowKey, translate, translateChecked } from "./compile.js";
import type { NarrowCalls, TranslateOptions, TranslationInfo } from "./compile.js";
import { toWat } from "../wasm/index.js";
import type { WasmModule } from "../wasm/index.js";
import { InterpRunner } from "../vm/interp-runner.js";
import { MAX_JIT_INSNS, V8_MAX_FUNCTION_BYTES, checkLimit, refusalReason } from "./limits.js";
import { cachedModule } from "./module-cache.js";
import type { CheckedSlot } from "./module-cache.js";

/**
 * An i64 from Wasm (signed, in [-2^63, 2^63)) as the seam's u64. The test
 * first: BigInt.asUintN allocates and cost about 9 ns per run in V8 11
 * even on values it returns unchanged, a quarter of a CUBIC step.
 */
const u64 = (v: bigint): bigint => (v >= 0n ? v : BigInt.asUintN(64, v));

/** The module's entry: r0 when below 2^31, else -1 with r0 left at fp + EXIT_R0 (compile.ts). */
type MainFn = (r1: bigint, r2: bigint, fp: number, rem: number) => number;
/** The module's number entry: r1 = ctx, r2 = 0; r0's low 32 bits (compile.ts). */
type Main32Fn = (ctx: number, fp: number, rem: number) => number;

/** BigInts of the small results most runs return, made once, so those runs allocate nothing. */
const SMALL_R0 = SMALL_U64;

/** The part of JitProg that a program's run functions call. */
interface RunSteps {
  readonly budget: number;
  /** 0 when a run may take the fast path: outermost, stack 0 clean and allocated, no frames to track, not disposed. */
  gate: number;
  /** 1 once disposed (what a fast run leaves in `gate`). */
  readonly closed: number;
  nesting: number;
  /** Frame 0's top of the nesting-0 stack (valid when gate is 0). */
  readonly fp0: number;
  runGeneral(r1: bigint, r2: bigint): bigint;
  runCtxGeneral(ctx: number): number;
  unwind(): void;
  bigR0(ret: number, fp: number): bigint;
}

/** A program's two entries (see {@link runFunctions}). */
interface RunFns {
  run(r1: bigint, r2?: bigint): bigint;
  runCtx(ctx: number): number;
}

let runFunctionCount = 0;

type RunFactory = (prog: RunSteps, main: MainFn, main32: Main32Fn, small: readonly bigint[]) => RunFns;
/**
 * The run-function factory made for a compiled module, reused when the
 * module comes from the compile cache (module-cache.ts): compiling the
 * source again cost more than instantiating. Instances of one module then
 * share a call site, which sees the `main` of each of them (in a sweep's
 * worker, one point's kernel after another: one live at a time).
 */
const runFactories = new WeakMap<WebAssembly.Module, RunFactory>();

/**
 * The fast path of both entries, as source: an outermost run on a clean
 * stack is the Wasm call and two stores either side; the rest (nested runs,
 * a stack left deep by a fault, programs whose calls open frames, dispose)
 * goes through `runGeneral`. Nothing per run that the program cannot
 * observe: the budget left stays in a Wasm global until lastInsnCount is
 * read, and the stack reset is in the Wasm entry.
 */
const RUN_SOURCE = (id: number): string => `return {
  run: function jit_run_${id}(r1, r2 = 0n) {
    if (prog.gate !== 0) return prog.runGeneral(r1, r2);
    prog.gate = 1;
    prog.nesting = 1;
    const fp = prog.fp0;
    let ret;
    try {
      ret = main(r1, r2, fp, prog.budget);
    } catch (e) {
      prog.unwind();
      throw e;
    }
    prog.nesting = 0;
    prog.gate = prog.closed;
    return ret >= 0 && ret < 4096 ? small[ret] : prog.bigR0(ret, fp);
  },
  runCtx: function jit_run_ctx_${id}(ctx) {
    if (prog.gate !== 0) return prog.runCtxGeneral(ctx);
    prog.gate = 1;
    prog.nesting = 1;
    let ret;
    try {
      ret = main32(ctx, prog.fp0, prog.budget);
    } catch (e) {
      prog.unwind();
      throw e;
    }
    prog.nesting = 0;
    prog.gate = prog.closed;
    return ret >>> 0;
  },
};`;

/**
 * Run functions of their own for one program. V8 inlines the JS -> Wasm
 * call (and its BigInt <-> i64 conversions) only where a call site has seen
 * a single Wasm function; a `run` shared by every program's JitProg sees
 * them all, and with two or more programs each run paid about 6 ns more (an
 * empty program 10 -> 16 ns, the cubic bench step 35 -> 48 ns). Closures
 * made from one function literal share their call-site feedback, so the
 * functions are compiled from source, once per module; the source is fixed
 * here, never built from program input. (A shared call site through the
 * Wasm table and call_indirect was tried: no faster in the bench or the
 * testbed, and the table would keep undisposed programs alive.)
 *
 * Compiling the source costs 0.05-0.2 ms, as much as translating a small
 * program, so it is not part of prepare: a program gets its run functions
 * the first time `run` or `runCtx` is read (JitProg's getters, before the
 * first call goes through them, so a caller's call site only ever sees the
 * program's own function). A program prepared and never run (a fixture's
 * unused programs, a program loaded and replaced) never pays it; a module
 * from the compile cache reuses its factory. Returns undefined on a host
 * that forbids code from strings (node --disallow-code-generation-from-strings,
 * a CSP): every run then takes the general path.
 */
function runFunctions(prog: RunSteps, main: MainFn, main32: Main32Fn, module: WebAssembly.Module): RunFns | undefined {
  let factory = runFactories.get(module);
  if (factory === undefined) {
    try {
      factory = new Function("prog", "main", "main32", "small", RUN_SOURCE(++runFunctionCount)) as RunFactory;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      return undefined;
    }
    runFactories.set(module, factory);
  }
  return factory(prog, main, main32, SMALL_R0);
}

/**
 * The memory size every module declares as its import's minimum: any
 * memory of the same maximum satisfies it, so one cached module serves every
 * kernel (one point of a sweep after another), however far its memory has
 * grown (the generated code's checks use the maximum, never the size).
 */
const MODULE_MIN_PAGES = 1;

/**
 * A module's encoded size above which its checked copies are translated and
 * compiled at prepare rather than on first need: a checked copy is about
 * twice its fast function's size (the CUBIC fixture: 1.9-2.0x), so below an
 * eighth of V8's limit on one function's body a checked copy would have to
 * be 8x its fast code to reach it; above, a program V8 would refuse is
 * still refused at prepare (and runs on the interpreter).
 */
const EAGER_CHECKED_BYTES = V8_MAX_FUNCTION_BYTES >> 3;

/** Refuses a function body beyond V8's limit (encode's callback). */
const checkBody = (fn: string, size: number): void => checkLimit(`bytes in the body of Wasm function ${fn}`, V8_MAX_FUNCTION_BYTES, size);

/** The checked copies' module of a program (compile.ts translateChecked). */
function compileChecked(cfg: Cfg, opts: TranslateOptions): WebAssembly.Module {
  return new WebAssembly.Module(translateChecked(cfg, opts).encode(checkBody));
}

/** The entries of a call table that have a narrow form, with their arity (none: undefined). */
function narrowOf(table: ReadonlyMap<number, BpfCallFn>): ReadonlyMap<number, number> | undefined {
  let out: Map<number, number> | undefined;
  for (const [id, fn] of table) {
    if (fn.narrow !== undefined) (out ??= new Map()).set(id, fn.narrow.arity);
  }
  return out;
}

/** The narrow forms of an image's helpers and kfuncs, for the translator; undefined when there are none. */
function narrowCalls(image: ProgImage): NarrowCalls | undefined {
  const helpers = narrowOf(image.helpers);
  const kfuncs = narrowOf(image.kfuncs);
  if (helpers === undefined && kfuncs === undefined) return undefined;
  return { helpers: helpers ?? new Map(), kfuncs: kfuncs ?? new Map() };
}

/** Decodes a program image, mapping decode errors to the interpreter's "insn" fault. */
export function decodeImage(image: ProgImage): DecodedProg {
  try {
    return decode(image.insns);
  } catch (e) {
    if (e instanceof BpfDecodeError) throw new BpfFault("insn", e.insnIndex, `prog "${image.name}": ${e.message}`);
    throw e;
  }
}

/** Checks RunnerOptions.insnBudget as the interpreter does. */
export function budgetOf(opts: RunnerOptions): number {
  const budget = opts.insnBudget ?? DEFAULT_INSN_BUDGET;
  if (!Number.isSafeInteger(budget) || budget < 1 || budget > 0x7fffffff) {
    throw new RangeError(`Cannot prepare program as 'insnBudget' must be a positive integer below 2^31: current value is ${budget}`);
  }
  return budget;
}

/** A compiled program. */
export class JitProg implements PreparedProg, RunSteps {
  readonly name: string;
  readonly insns: Uint8Array;
  readonly mem: KernelMemory;
  readonly budget: number;
  /** @internal 0 when the next run may take the fast path ({@link RunSteps.gate}). */
  gate = 1;
  /** @internal Runs in progress (a helper may run the program again). */
  nesting = 0;
  /** @internal 1 once disposed. */
  closed = 0;
  /** @internal Frame 0's top of the nesting-0 stack. */
  fp0 = 0;
  /** Milliseconds spent translating and compiling (for the bench). */
  readonly compileMs: number;
  private readonly translation: TranslationInfo;
  /** What the module was translated with (the checked copies and wat() translate with the same). */
  private readonly translateOpts: TranslateOptions;
  private readonly cfg: Cfg;
  private readonly decoded: DecodedProg;
  private readonly maxDepth: WebAssembly.Global;
  /** The budget left at the last exit, or as a fault set it (`budget - lastInsnCount`): the module's `rem` global. */
  private readonly remGet: () => number;
  private readonly remSet: (rem: number) => void;
  private readonly main: MainFn;
  private readonly main32: Main32Fn;
  private readonly module: WebAssembly.Module;
  private readonly instance: WebAssembly.Instance;
  private readonly imports: Record<string, WebAssembly.ImportValue>;
  /** The cached module's checked copies (shared by its instances), compiled on first need. */
  private readonly checked: CheckedSlot;
  private checkedInstance: WebAssembly.Exports | undefined;
  /** Whether runs open frames above 0 (bpf-to-bpf calls to functions that are not frameless). */
  private readonly tracksDepth: boolean;
  private readonly stacks: StackRegion[] = [];
  /** max_depth of the outer run, by nesting level, while a nested run is on. */
  private readonly outerDepth: number[] = [];
  private disposed = false;

  /**
   * @param stacks stack regions to use for nesting levels 0, 1, … (the
   * "auto" engine hands over regions at the interpreter's addresses); more
   * are allocated on demand.
   */
  constructor(image: ProgImage, budget: number, stacks: readonly StackRegion[] = []) {
    const t0 = performance.now();
    this.name = image.name;
    this.insns = image.insns;
    this.mem = image.mem;
    this.budget = budget;
    const mem = image.mem;
    const narrow = narrowCalls(image);
    const opts: TranslateOptions = { maxBytes: mem.maxBytes, minPages: MODULE_MIN_PAGES, ...(narrow !== undefined ? { narrow } : {}) };
    this.translateOpts = opts;
    // Decoded only on a miss: a hit has the same bytes, so the cached translation's program is this one's.
    const compiled = cachedModule(image.insns, mem.maxBytes, MODULE_MIN_PAGES, narrowKey(narrow), () => {
      const { module, ...translation } = translate(decodeImage(image), opts);
      const bytes = module.encode(checkBody);
      const checked: CheckedSlot = {};
      // A program this large could have checked copies beyond V8's limits: compiled now, so it is refused at prepare.
      if (translation.checkedNames.length > 0 && bytes.length > EAGER_CHECKED_BYTES) checked.module = compileChecked(translation.cfg, opts);
      return { translation, module: new WebAssembly.Module(bytes), checked };
    });
    this.translation = compiled.translation;
    this.checked = compiled.checked;
    this.cfg = this.translation.cfg;
    this.decoded = this.cfg.prog;
    this.tracksDepth = this.translation.tracksDepth;
    const imports: Record<string, WebAssembly.ImportValue> = {
      mem: mem.memory,
      mem_fault: (pc: number, reg: bigint, rem: number, open: number) => {
        this.openLazy(open);
        this.memFault(pc, reg, rem);
      },
      budget: (start: number, rem: number, open: number) => {
        this.openLazy(open);
        this.budgetFault(start, rem);
      },
      stack_fault: (pc: number, rem: number) => {
        this.count(pc, rem);
        throw stackFault(this, pc);
      },
      insn_fault: (pc: number, rem: number, open: number) => {
        this.openLazy(open);
        this.count(pc, rem);
        throw insnFault(this, pc, this.decoded.key[pc] === KEY_FALLOFF
          ? "fell off the end of the program"
          : "BPF_LD_[ABS|IND] needs an skb context, which this program does not have");
      },
    };
    for (const id of this.translation.helperIds) imports[`helper_${id >>> 0}`] = this.callOut(image.helpers, "helper", id);
    for (const id of this.translation.kfuncIds) imports[`kfunc_${id >>> 0}`] = this.callOut(image.kfuncs, "kfunc", id);
    for (const id of this.translation.narrowHelperIds) imports[`helper_${id >>> 0}_narrow`] = this.narrowOut(image.helpers, "helper", id);
    for (const id of this.translation.narrowKfuncIds) imports[`kfunc_${id >>> 0}_narrow`] = this.narrowOut(image.kfuncs, "kfunc", id);
    if (this.translation.callx) {
      // callx: the helper id is a register's value, known only at the call.
      imports["callx"] = (id: bigint, a: bigint, b: bigint, c: bigint, d: bigint, e: bigint, pc: number, rem: number): bigint =>
        (this.callOut(image.helpers, "helper", Number(u64(id))) as (...args: unknown[]) => bigint)(a, b, c, d, e, pc, rem);
    }
    for (const name of this.translation.checkedNames) {
      imports[name] = (...args: unknown[]): unknown => (this.checkedExports()[name] as (...a: unknown[]) => unknown)(...args);
    }
    this.imports = imports;
    const instance = new WebAssembly.Instance(compiled.module, { [IMPORT_MODULE]: imports });
    this.instance = instance;
    this.main = instance.exports["main"] as MainFn;
    this.main32 = instance.exports["main32"] as Main32Fn;
    this.maxDepth = instance.exports["max_depth"] as WebAssembly.Global;
    this.remGet = instance.exports["rem_get"] as () => number;
    this.remSet = instance.exports["rem_set"] as (rem: number) => void;
    this.remSet(budget);
    this.module = compiled.module;
    this.adoptStacks(stacks);
    this.compileMs = performance.now() - t0;
  }

  /** Instructions executed by the last completed or faulted run. */
  get lastInsnCount(): number {
    return this.budget - this.remGet();
  }

  /** @internal Stack regions for the next unused nesting levels (the "auto" engine hands over the interpreter's, auto-runner.ts). */
  adoptStacks(stacks: readonly StackRegion[]): void {
    this.stacks.push(...stacks);
    this.regate();
  }

  /** Opens the fast path when nothing needs the general one. */
  private regate(): void {
    const s0 = this.stacks[0];
    if (s0 !== undefined) this.fp0 = s0.top;
    this.gate = this.nesting !== 0 || this.disposed || this.tracksDepth || s0 === undefined || s0.maxDepth !== 0 ? 1 : 0;
  }

  /**
   * The checked copies' exports: their module compiled (once per cached
   * module) and instantiated (once per program) the first time a run nears
   * its budget, against this program's imports, fast functions and
   * `max_depth`.
   */
  private checkedExports(): WebAssembly.Exports {
    if (this.checkedInstance === undefined) {
      const module = (this.checked.module ??= compileChecked(this.cfg, this.translateOpts));
      const fast = this.instance.exports;
      const imports: Record<string, WebAssembly.ImportValue> = { ...this.imports, max_depth: this.maxDepth };
      this.cfg.funcs.forEach((_, fi) => {
        const name = funcName(this.cfg, fi);
        imports[name] = fast[name] as WebAssembly.ImportValue;
      });
      this.checkedInstance = new WebAssembly.Instance(module, { [IMPORT_MODULE]: imports }).exports;
    }
    return this.checkedInstance;
  }

  /** The generated module as text (wasm/wat.ts), translated again (only its compiled form is kept), then its checked copies' module when it has one. */
  wat(): string {
    const text = toWat(this.retranslate());
    if (this.translation.checkedNames.length === 0) return text;
    return `${text};; the checked copies (compiled when a run first nears its budget)\n${toWat(translateChecked(this.cfg, this.options()))}`;
  }

  /** The generated module's bytes, translated again. */
  wasmBytes(): Uint8Array {
    return this.retranslate().encode();
  }

  private retranslate(): WasmModule {
    return translate(this.decoded, this.options()).module;
  }

  private options(): TranslateOptions {
    return this.translateOpts;
  }

  /** Runs the program: see {@link runFunctions} for why each program has its own, made when first read. */
  get run(): (r1: bigint, r2?: bigint) => bigint {
    return this.ownRuns().run;
  }

  /** {@link PreparedProg.runCtx}: no BigInt on the way in or out. */
  get runCtx(): (ctx: number) => number {
    return this.ownRuns().runCtx;
  }

  /** Makes the program's own run functions (or the general path's, for good) and puts them on the program in place of the getters. */
  private ownRuns(): RunFns {
    const fns = runFunctions(this, this.main, this.main32, this.module) ?? {
      run: (r1: bigint, r2 = 0n): bigint => this.runGeneral(r1, r2),
      runCtx: (ctx: number): number => this.runCtxGeneral(ctx),
    };
    Object.defineProperty(this, "run", { value: fns.run, enumerable: true });
    Object.defineProperty(this, "runCtx", { value: fns.runCtx, enumerable: true });
    return fns;
  }

  /** @internal A run the fast path does not take (RUN_SOURCE). */
  runGeneral(r1: bigint, r2: bigint): bigint {
    const fp = this.enter();
    let ret: number;
    try {
      ret = this.main(r1, r2, fp, this.budget);
    } catch (e) {
      this.unwind();
      throw e;
    }
    return this.leave(fp, ret);
  }

  /** @internal runCtx when the fast path is closed. */
  runCtxGeneral(ctx: number): number {
    const fp = this.enter();
    let ret: number;
    try {
      ret = this.main32(ctx, fp, this.budget);
    } catch (e) {
      this.unwind();
      throw e;
    }
    this.leave(fp, 0);
    return ret >>> 0;
  }

  /** @internal r0 of a normal exit whose i32 result (`ret`) does not hold it: -1 (in the guard at fp) or at least 4,096. */
  bigR0(ret: number, fp: number): bigint {
    if (ret >= 0) return BigInt(ret);
    const dv = this.mem.dv;
    const r0 = dv.getBigUint64(fp + EXIT_R0, true);
    dv.setFloat64(fp + EXIT_R0, 0);
    return r0;
  }

  /** @internal Before a general run: picks this nesting level's stack, resets deeper frames the last run used (the entry zeroes frame 0's reach), returns r10. */
  enter(): number {
    if (this.disposed) throw new Error(`prog "${this.name}": run after dispose`);
    const level = this.nesting;
    let stack = this.stacks[level];
    if (stack === undefined) {
      stack = new StackRegion(this.mem);
      this.stacks[level] = stack;
    }
    // A nested run (from a helper) must leave the outer run's max_depth as it was.
    if (level > 0 && this.tracksDepth) this.outerDepth[level] = this.maxDepth.value as number;
    stack.reset(0);
    this.nesting = level + 1;
    this.gate = 1;
    return stack.top;
  }

  /** @internal After a normal general run: the entry left the deepest frame in the guard above frame 0; read and re-zero it. */
  leave(fp: number, ret: number): bigint {
    const level = --this.nesting;
    if (this.tracksDepth) {
      const dv = this.mem.dv;
      const stack = this.stacks[level] as StackRegion;
      const d = dv.getInt32(fp + EXIT_MAX_DEPTH, true);
      dv.setInt32(fp + EXIT_MAX_DEPTH, 0, true);
      if (d > stack.maxDepth) stack.maxDepth = d;
      if (level > 0) this.maxDepth.value = this.outerDepth[level] ?? 0;
    }
    if (level === 0) this.regate();
    return ret >= 0 && ret < SMALL_R0.length ? (SMALL_R0[ret] as bigint) : this.bigR0(ret, fp);
  }

  /** @internal After a fault or a helper's exception: the deepest frame is in the max_depth global. */
  unwind(): void {
    const level = --this.nesting;
    if (this.tracksDepth) {
      const stack = this.stacks[level] as StackRegion;
      const d = this.maxDepth.value as number;
      if (d > stack.maxDepth) stack.maxDepth = d;
      if (level > 0) this.maxDepth.value = this.outerDepth[level] ?? 0;
    }
    if (level === 0) this.regate();
  }

  /**
   * A fault inside a frameless callee (jit/frames.ts): open its frame `open`
   * as the interpreter would have at the call, so the shadow after the fault
   * is the interpreter's (the next run's reset closes it). 0: nothing to do.
   */
  private openLazy(open: number): void {
    if (open === 0) return;
    const stack = this.stacks[this.nesting - 1];
    if (stack !== undefined) stack.enter(open);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.stacks) s.free();
    this.stacks.length = 0;
    this.gate = 1;
    this.closed = 1;
  }

  /** Instructions executed through `pc`, given `rem` after its block's entry. */
  private count(pc: number, rem: number): void {
    this.remSet(rem + (this.cfg.after[pc] as number));
  }

  private memFault(pc: number, reg: bigint, rem: number): never {
    this.count(pc, rem);
    const key = this.decoded.key[pc] as number;
    let size: number;
    let kind: AccessKind;
    if (key >= 0x120) {
      size = key >= 0x130 ? 8 : 4;
      kind = "atomic";
    } else {
      size = ({ 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 } as Record<number, number>)[key & 0x18] as number;
      kind = (key & 0x07) === 1 ? "read" : "write";
    }
    const lo = Number(BigInt.asIntN(32, reg));
    const hi = Number(BigInt.asIntN(32, reg >> 32n));
    throw memFault(this, pc, lo, hi, this.decoded.off[pc] as number, size, kind);
  }

  private budgetFault(start: number, rem: number): never {
    const block = this.cfg.blocks[this.cfg.blockAt[start] as number];
    let pc = start;
    if (block !== undefined) {
      const allowed = rem + block.insnCount;
      for (let k = 0; k < allowed; k++) pc += this.decoded.key[pc] === KEY_LDDW ? 2 : 1;
    }
    this.remSet(0);
    throw budgetFault(this, pc, this.budget);
  }

  /** The import for helper or kfunc `id`: the interpreter's callOut (vm/faults.ts) on i64 arguments. */
  private callOut(table: ReadonlyMap<number, BpfCallFn>, what: "helper" | "kfunc", id: number): WebAssembly.ImportValue {
    const where = (pc: number): string => `(${describeInsn(this.insns, pc)})`;
    return (a: bigint, b: bigint, c: bigint, d: bigint, e: bigint, pc: number, rem: number): bigint => {
      const fn = table.get(id);
      if (fn === undefined) {
        this.count(pc, rem);
        throw new BpfFault("call", pc, `prog "${this.name}": call to unknown ${what} ${id} ${where(pc)}`);
      }
      let ret: unknown;
      try {
        ret = fn(u64(a), u64(b), u64(c), u64(d), u64(e));
      } catch (err) {
        throw this.callFailed(what, id, pc, rem, err);
      }
      if (typeof ret !== "bigint") {
        this.count(pc, rem);
        throw new BpfFault("call", pc, `prog "${this.name}": ${what} ${id} returned ${typeof ret}, not a bigint ${where(pc)}`);
      }
      return ret;
    };
  }

  /**
   * The import for the narrow form of helper or kfunc `id` (runner.ts BpfNarrowCall): the low halves
   * of r1-r5 as i32, r0 as an i32 the module zero-extends; a throw is the same fault as callOut's.
   */
  private narrowOut(table: ReadonlyMap<number, BpfCallFn>, what: "helper" | "kfunc", id: number): WebAssembly.ImportValue {
    const fn = (table.get(id) as BpfCallFn).narrow?.fn;
    if (fn === undefined) throw new Error(`JIT: ${what} ${id} has no narrow form, but the module was translated with one`);
    return (a: number, b: number, c: number, d: number, e: number, pc: number, rem: number): number => {
      try {
        return fn(a >>> 0, b >>> 0, c >>> 0, d >>> 0, e >>> 0);
      } catch (err) {
        throw this.callFailed(what, id, pc, rem, err);
      }
    };
  }

  /** The "call" fault of a helper or kfunc that threw `err` at slot `pc` (the interpreter's, vm/faults.ts), with the count set. */
  private callFailed(what: "helper" | "kfunc", id: number, pc: number, rem: number, err: unknown): BpfFault {
    this.count(pc, rem);
    const msg = err instanceof Error ? err.message : String(err);
    const fault = new BpfFault("call", pc, `prog "${this.name}": ${what} ${id} failed: ${msg} (${describeInsn(this.insns, pc)})`);
    Object.defineProperty(fault, "cause", { value: err, enumerable: false, configurable: true, writable: true });
    return fault;
  }
}

/**
 * The JIT (`"jit"`): every program is compiled to WebAssembly at prepare.
 * Makes the interpreter's choices where the kernel leaves behaviour open
 * (vm/interp-runner.ts): zeroed stacks per run, r1-r5 kept across helper
 * calls and left by the callee after bpf-to-bpf calls, ld_imm64 loaded as is.
 */
export class JitRunner implements ProgRunner {
  readonly name = "jit";

  /**
   * Decodes and compiles `image.insns`. A program beyond the JIT's limits
   * (limits.ts) runs on the interpreter instead, with the reason passed to
   * `opts.log`, as Linux runs a program its JIT fails on with its
   * interpreter (kernel/bpf/core.c bpf_prog_select_runtime, without
   * CONFIG_BPF_JIT_ALWAYS_ON).
   * @throws {BpfFault} kind "insn" naming the slot when the bytecode is invalid.
   * @throws {RangeError} when `insnBudget` is not a positive integer below 2^31.
   */
  prepare(image: ProgImage, opts: RunnerOptions = {}): PreparedProg {
    const budget = budgetOf(opts);
    try {
      // Refused before decoding: the interpreter decodes it again anyway.
      checkLimit("instruction slots", MAX_JIT_INSNS, image.insns.length >>> 3);
      return new JitProg(image, budget);
    } catch (e) {
      const reason = refusalReason(e);
      if (reason === undefined) throw e;
      opts.log?.(`prog "${image.name}": ${reason}; running on the interpreter`);
      return new InterpRunner().prepare(image, opts);
    }
  }
}
