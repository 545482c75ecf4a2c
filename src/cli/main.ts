/**
 * @fileoverview The `structops` command, built with commander: `tour`,
 * `conformance` (its arguments go untouched to the bpf_conformance plugin,
 * which parses them the way the upstream runner passes them), `run` and
 * `demo`. {@link main} returns the exit status instead of exiting, so tests
 * call it in-process: 0 success, 1 a failed run or bad input, 2 usage.
 *
 * Each command imports its module inside its action, so `--help` and
 * `--version` load only commander (bench/startup.bench.ts times it).
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { RunCliOptions } from "./run.js";
import type { SweepCliOptions } from "./sweep/sweep.js";
import { DEFAULT_MAX_EVENTS, DEFAULT_MAX_OUTPUT_BYTES, MAX_OBJECT_BYTES, MAX_SCENARIO_BYTES, MAX_TRACE_BYTES } from "./scenario/limits.js";
import { parseSize } from "./scenario/units.js";
import { formatBytes } from "./bounded-read.js";
import { registerInspect } from "./inspect/register.js";
import type { CliIo } from "./io.js";
import { processIo } from "./io.js";

/** The package's version, from its package.json (two levels up from src/cli/ and from dist/cli/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function seedArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > 0xffffffff) throw new InvalidArgumentError("must be an integer in [0, 4294967295].");
  return n;
}

function countArg(v: string): number {
  const n = Number(v.replace(/_/g, ""));
  if (!/^[\d_]+(e\d+)?$/i.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer (e.g. 200000000 or 2e8).");
  return n;
}

function sizeArg(v: string): number {
  const n = parseSize(v);
  if (typeof n === "string") throw new InvalidArgumentError(`must be ${n}.`);
  return n;
}

function program(io: CliIo, setCode: (c: number) => void): Command {
  const p = new Command()
    .name("structops")
    .description("BPF struct_ops and bpf_link on an emulated Linux kernel, with a TCP testbed")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run 'structops help' for the commands)")
    .version(packageVersion(), "-V, --version", "print the version");

  p.command("tour")
    .description("narrated live swap of a BPF congestion control on the emulated kernel")
    .action(async () => {
      const { tour } = await import("./tour.js");
      setCode(tour(io.stdout));
    });

  p.command("conformance")
    .description("bpf_conformance plugin: program hex on stdin, prints r0 in hex (structops conformance --help)")
    .argument("[args...]", "memory hex and plugin options, as bpf_conformance passes them")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .action(async (args: string[]) => {
      const { conformanceMain } = await import("./conformance.js");
      setCode(await conformanceMain(args, { stdin: io.stdin(), stdout: io.stdout, stderr: io.stderr }));
    });

  const engine = new Option("--engine <name>", "BPF engine").choices(["interp", "jit", "auto"]).default("auto");
  p.command("run")
    .description("run a scenario file (docs/scenarios.md): traces, summary and an HTML report")
    .argument("<scenario>", "scenario file (.yaml, .yml or .json)")
    .option("--seed <n>", "random seed (overrides the scenario's)", seedArg)
    .addOption(engine)
    .option("--linux", "run it on this machine's kernel instead: real TCP flows in network namespaces (root, Linux 6.4+; docs/linux-run.md)")
    .option("--out <dir>", "output folder (default: structops-out/<scenario name>, structops-out/<scenario name>-linux with --linux)")
    .addOption(new Option("--format <format>", "trace file format (overrides the scenario's)").choices(["csv", "jsonl"]))
    .option("--no-progress", "no progress bar (there is none anyway when stderr is not a terminal)")
    .option("--max-events <n>", `refuse a run estimated above this many simulator events (default ${DEFAULT_MAX_EVENTS})`, countArg)
    .option("--max-output <size>", `refuse a run estimated to write more trace bytes than this (default ${formatBytes(DEFAULT_MAX_OUTPUT_BYTES)}; "2GB", "512MiB")`, sizeArg)
    .option("--max-input-size <size>", `largest scenario, trace or object file read (default ${formatBytes(MAX_SCENARIO_BYTES)} for the scenario, ${formatBytes(MAX_TRACE_BYTES)} for traces, ${formatBytes(MAX_OBJECT_BYTES)} for objects)`, sizeArg)
    .addHelpText("after", [
      "",
      "Limits (docs/scenarios.md, \"Limits\"): each run's simulator events and trace bytes are",
      "estimated before it starts (from rates, durations, flows and sampling); a run above",
      "the budget is refused with the estimate and the option that raises it.",
    ].join("\n"))
    .action(async (file: string, o: RunCliOptions) => {
      const { runMain } = await import("./run.js");
      setCode(await runMain(file, o, io));
    });

  p.command("compare")
    .description("overlay two run folders (structops run, run --linux, two engines or versions) in one HTML page, with a table of fidelity metrics and their differences (docs/compare.md)")
    .argument("<runA>", "a run's output folder")
    .argument("<runB>", "another run's output folder")
    .option("--out <file>", "the HTML page (default: structops-out/compare-<A>-vs-<B>.html)")
    .option("-j, --json", "the metrics table as JSON on stdout")
    .option("--tolerance <metric=value[%]>", "largest difference allowed (absolute, or relative to A with %); repeatable; 'all' for every metric; exit 4 past it", (v: string, prev: string[] = []) => [...prev, v])
    .action(async (runA: string, runB: string, o: { out?: string; json?: boolean; tolerance?: string[] }) => {
      const { compareMain } = await import("./compare.js");
      setCode(compareMain(runA, runB, o, io));
    });

  p.command("demo")
    .description("the main job: swap a BPF congestion control live under running flows, then write a report")
    .option("--out <dir>", "output folder", "structops-demo")
    .option("--seed <n>", "random seed", seedArg)
    .addOption(new Option("--engine <name>", "BPF engine").choices(["interp", "jit", "auto"]).default("auto"))
    .option("--no-progress", "no progress bar")
    .action(async (o: { out: string; seed?: number; engine: "interp" | "jit" | "auto"; progress: boolean }) => {
      const { demoMain } = await import("./demo.js");
      setCode(await demoMain(o, io));
    });

  const sweep = p.command("sweep")
    .description("run a sweep file (docs/sweep.md): a scenario over a grid of networks and algorithms, on every core, or one shard of it; exit 3 when points failed (the others still run)")
    .argument("<file>", "sweep file (.yaml, .yml or .json)")
    .option("--out <dir>", "output folder (default: structops-sweep/<sweep name>); a rerun skips the points already there")
    .option("--jobs <n>", "worker threads (default: the cores available)", countArg)
    .option("--shard <i/n>", "run shard i of n (0 ≤ i < n); 'auto' or 'auto/n' take i from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or STRUCTOPS_SHARD_INDEX")
    .option("--max-points <n>", "refuse a sweep of more points than this (default 1000)", countArg)
    .option("--retry-failed", "rerun points whose earlier run failed (they are skipped otherwise)")
    .option("--no-progress", "no progress bar (there is none anyway when stderr is not a terminal)")
    .option("--max-events <n>", `refuse a point estimated above this many simulator events (default ${DEFAULT_MAX_EVENTS})`, countArg)
    .option("--max-output <size>", `refuse a point estimated to write more trace bytes than this (default ${formatBytes(DEFAULT_MAX_OUTPUT_BYTES)})`, sizeArg)
    .option("--max-input-size <size>", "largest sweep, scenario, trace or object file read", sizeArg)
    .action(async (file: string, o: SweepCliOptions) => {
      const { sweepMain } = await import("./sweep/sweep.js");
      setCode(await sweepMain(file, o, io, packageVersion()));
    });
  sweep.command("merge")
    .description("merge the output folders of a sweep's shards into one, as a one-machine run writes it; exit 3 when it holds failed points")
    .argument("<dirs...>", "the shards' output folders")
    .requiredOption("--out <dir>", "the merged folder")
    .action(async (dirs: string[], o: { out: string }) => {
      const { mergeMain } = await import("./sweep/sweep.js");
      setCode(mergeMain(dirs, o, io));
    });

  registerInspect(p, io, setCode);
  return p;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const p = program(io, (c) => (code = c));
  if (argv.length === 0) {
    io.stdout(p.helpInformation());
    return 2;
  }
  if (argv[0] === "help" && argv.length === 1) {
    io.stdout(p.helpInformation());
    return 0;
  }
  try {
    await p.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : e.code === "commander.helpDisplayed" ? 0 : 2;
    // Commands report their own failures; whatever escapes them is printed the same way (one line, or a bug's stack).
    const { describeFailure } = await import("./errors.js");
    io.stderr(`${describeFailure(e)}\n`);
    return 1;
  }
  return code;
}


// Run directly (`tsx src/cli/main.ts demo`, as `npm start` does): bin/structops.js imports this file instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
