/**
 * @fileoverview `structops conformance`: a plugin for the bpf_conformance
 * runner (github.com/Alan-Jowett/bpf_conformance), so the project's engines
 * can be measured with the upstream suite as well as with test/conformance.
 *
 * Protocol (what the runner does, from its sources): it writes the program as
 * hex bytes to stdin and passes the input memory, when a vector has one, as
 * the first argument (hex bytes separated by spaces), then the
 * `--plugin_options` it was given, then `--elf` in ELF mode, where stdin
 * holds a relocatable EM_BPF object instead (lib/elf-program.ts). The plugin
 * prints r0 in lowercase hex without `0x`, plus a newline, and exits 0; on
 * any failure it writes the reason to stderr and exits 1 (the runner compares
 * that text with a vector's `-- error`).
 *
 * Run model: r1 points to a private copy of the memory (PERM_RW in a
 * KernelMemory; r1 = 0 when there is none), r2 is its length, r10 the top of
 * a 512-byte stack. Helpers 0-5 are ubpf's test helpers
 * (cli/conformance-helpers.ts). A ld_imm64 with a pseudo src_reg (map fd,
 * BTF id, …) is refused: there is no kernel here to resolve it.
 */
import { describeFailure } from "./errors.js";
import { BpfDecodeError, decode } from "../asm/decode.js";
import { disassemble } from "../asm/disasm.js";
import { parseHexBytes } from "../asm/data-file.js";
import { KEY_LDDW } from "../asm/opcodes.js";
import {
  BpfFault, DEFAULT_INSN_BUDGET, ENGINE_NAMES, KernelMemory, PERM_RW, createRunner, isEngineName,
} from "../lib/engine.js";
import type { PreparedProg } from "../lib/engine.js";
import { UnwindSignal, conformanceHelpers } from "./conformance-helpers.js";
import { programFromElf } from "../lib/elf-program.js";

/** Where the plugin reads and writes; tests pass strings and collectors. */
export interface ConformanceIo {
  readonly stdin: string;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const USAGE = `usage: structops conformance [<memory hex>] [--engine interp|jit|auto] [--program <hex>] [--budget N] [--elf] [--debug]
Reads eBPF instructions as hex bytes from stdin (or --program), runs them with
r1 = the memory, r2 = its length, and prints r0 in hex. With --elf the hex
bytes are an ELF object and its function is run.`;

const LDDW_PSEUDO = ["", "BPF_PSEUDO_MAP_FD", "BPF_PSEUDO_MAP_VALUE", "BPF_PSEUDO_BTF_ID", "BPF_PSEUDO_FUNC", "BPF_PSEUDO_MAP_IDX", "BPF_PSEUDO_MAP_IDX_VALUE"];

interface Options {
  engine: string;
  program: string | undefined;
  memory: string | undefined;
  budget: number;
  debug: boolean;
  /** The input is an ELF object (hex), not raw instructions. */
  elf: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[], warn: (s: string) => void): Options | "help" {
  const o: Options = { engine: "interp", program: undefined, memory: undefined, budget: DEFAULT_INSN_BUDGET, debug: false, elf: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${name} needs a value`);
      return v;
    };
    switch (name) {
      case "--help":
      case "-h":
        return "help";
      case "--engine":
        o.engine = value();
        break;
      case "--jit": // ubpf plugin spelling
        o.engine = "jit";
        break;
      case "--interpret":
        o.engine = "interp";
        break;
      case "--program":
        o.program = value();
        break;
      case "--budget": {
        const v = value();
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--budget must be a positive integer: current value is ${v}`);
        o.budget = n;
        break;
      }
      case "--debug":
        o.debug = true;
        break;
      case "--elf":
        o.elf = true;
        break;
      default:
        if (arg.startsWith("--")) warn(`conformance: ignoring unknown option ${arg}`);
        else if (o.memory === undefined) o.memory = arg;
        else throw new UsageError(`unexpected argument: ${arg}`);
    }
  }
  return o;
}

function kernelMemoryFor(memBytes: number): KernelMemory {
  const page = 65536;
  const want = Math.max(16 << 20, Math.ceil((memBytes * 2 + (4 << 20)) / page) * page);
  const maxBytes = Math.min(want, 2 ** 32 - page);
  return new KernelMemory({ maxBytes, initialHeapBytes: Math.min(memBytes + (1 << 20), maxBytes / 2) });
}

/**
 * Runs one bpf_conformance plugin invocation.
 * @returns the exit status: 0 after printing r0, 1 after printing an error.
 */
export async function conformanceMain(argv: string[], io: ConformanceIo): Promise<number> {
  const notes: string[] = [];
  let opts: Options | "help";
  try {
    opts = parseArgs(argv, (s) => notes.push(s));
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 1;
  }
  if (opts === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  for (const n of notes) io.stderr(`${n}\n`);

  let program: Uint8Array;
  let input: Uint8Array;
  try {
    program = parseHexBytes(opts.program ?? io.stdin);
    if (opts.elf) program = programFromElf(program);
    input = parseHexBytes(opts.memory ?? "");
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 1;
  }
  if (program.length === 0) {
    io.stderr("no program: pass instructions as hex bytes on stdin\n");
    return 1;
  }
  if (!isEngineName(opts.engine)) {
    io.stderr(`engine '${opts.engine}' is not available: choose one of ${ENGINE_NAMES.join(", ")}\n`);
    return 1;
  }

  try {
    const decoded = decode(program);
    for (let i = 0; i < decoded.length; i++) {
      if (decoded.key[i] === KEY_LDDW && decoded.src[i] !== 0) {
        const src = decoded.src[i] as number;
        io.stderr(`insn ${i}: lddw with src_reg ${src} (${LDDW_PSEUDO[src]}) needs a kernel to resolve it; the conformance plugin has none\n`);
        return 1;
      }
    }
  } catch (e) {
    if (e instanceof BpfDecodeError) {
      io.stderr(`invalid program: ${e.message}\n`);
      if (opts.debug) io.stderr(disassemble(program, { mark: e.insnIndex }));
      return 1;
    }
    throw e;
  }

  const mem = kernelMemoryFor(input.length);
  const memAddr = input.length > 0 ? mem.alloc(input.length, PERM_RW) : 0;
  if (input.length > 0 && memAddr === 0) {
    io.stderr(`cannot allocate ${input.length} bytes of input memory\n`);
    return 1;
  }
  mem.u8.set(input, memAddr);
  const runner = createRunner(opts.engine);
  let prog: PreparedProg | undefined;
  try {
    prog = runner.prepare(
      { insns: program, mem, helpers: conformanceHelpers(mem), kfuncs: new Map(), name: "conformance" },
      { insnBudget: opts.budget },
    );
    let r0: bigint;
    try {
      r0 = prog.run(BigInt(memAddr), BigInt(input.length));
    } catch (e) {
      if (!(e instanceof BpfFault && e.cause instanceof UnwindSignal)) throw e;
      r0 = 0n;
    }
    if (opts.debug) io.stderr(`conformance: ${prog.lastInsnCount} instructions executed on ${runner.name}\n`);
    io.stdout(`${r0.toString(16)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof BpfFault)) {
      // Anything but a fault of the program is a bug here (the plugin's output is the upstream runner's, without the "structops:" prefix).
      io.stderr(`${describeFailure(e).replace(/^structops: /, "")}\n`);
      return 1;
    }
    io.stderr(`${e.message}\n`);
    if (opts.debug) io.stderr(disassemble(program, { mark: e.pc }));
    return 1;
  } finally {
    prog?.dispose();
  }
}
