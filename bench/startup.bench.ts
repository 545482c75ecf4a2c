/**
 * @fileoverview Start-up of the `structops` command (issue #11): wall time of
 * `node bin/structops.js --help` and `--version` (the compiled CLI, exactly
 * what an installed package runs) against `node -e ''`, Node's own start-up,
 * measured alternately in the same run; the ratio is the figure to compare.
 * Besides wall time, each child's own CPU time (user + system, reported at
 * exit by a one-line --import hook given to every case alike), which a
 * loaded machine disturbs far less than wall time. Also `structops sweep`
 * of a missing file (it fails at once) as the bin runs it, re-executing node
 * with --single-threaded-gc, and with STRUCTOPS_NO_REEXEC=1: the start cost
 * the re-exec adds to every sweep.
 * Builds dist/ first when it is missing or older than src/cli/main.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { QUICK, report, type BenchRow } from "./harness.js";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist", "cli", "main.js");
if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, "src", "cli", "main.ts")).mtimeMs) {
  const b = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) throw new Error("startup bench: the build (tsc -p tsconfig.build.json) failed");
}

/** Prints the process's CPU microseconds on stderr at exit. */
const CPU_HOOK = `data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("CPU_US "+(u.user+u.system)+"\\n")})`;

/** A case: node's arguments, the exit status expected, and environment added. */
interface Case {
  readonly args: readonly string[];
  readonly status?: number;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Wall and CPU milliseconds of one `node <args>` run, the CPU of every node
 * process it started included (the hook travels in execArgv to a re-executed
 * node); throws unless it exits with the status expected.
 */
function runMs(c: Case): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = { ...process.env, ...c.env };
  if (c.env?.STRUCTOPS_NO_REEXEC === undefined) delete env.STRUCTOPS_NO_REEXEC;
  const r = spawnSync(process.execPath, ["--import", CPU_HOOK, ...c.args], { cwd: root, env, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpus = [...r.stderr.matchAll(/CPU_US (\d+)/g)].map((m) => Number(m[1]));
  if (r.status !== (c.status ?? 0) || cpus.length === 0) throw new Error(`node ${c.args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: cpus.reduce((a, b) => a + b, 0) / 1000 };
}

const bin = join(root, "bin", "structops.js");
// A `sweep` of a missing file fails at once (status 1): what re-executing node with --single-threaded-gc adds to a sweep's start.
const missing = join(root, "bench", "no-such-sweep.yaml");
const CASES: Record<string, Case> = {
  "node -e ''": { args: ["-e", ""] },
  "structops --help": { args: [bin, "--help"] },
  "structops --version": { args: [bin, "--version"] },
  "structops sweep (missing file), re-executed": { args: [bin, "sweep", missing], status: 1 },
  "structops sweep (missing file), STRUCTOPS_NO_REEXEC=1": { args: [bin, "sweep", missing], status: 1, env: { STRUCTOPS_NO_REEXEC: "1" } },
};
const rounds = QUICK ? 1 : 21;
const wall: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
if (!QUICK) for (const c of Object.values(CASES)) runMs(c); // warm the file cache
for (let i = 0; i < rounds; i++) {
  for (const [name, c] of Object.entries(CASES)) {
    const m = runMs(c);
    wall[name]?.push(m.wall);
    cpu[name]?.push(m.cpu);
  }
}
const median = (xs: number[] | undefined): number => [...(xs ?? [])].sort((a, b) => a - b)[Math.floor((xs ?? []).length / 2)] as number;

const rows: BenchRow[] = [];
for (const [kind, samples] of [["wall", wall], ["CPU", cpu]] as const) {
  const floor = median(samples["node -e ''"]);
  for (const name of Object.keys(CASES)) {
    const m = median(samples[name]);
    const vs = name.startsWith("structops") ? `, ${(m / floor).toFixed(2)}x node's, +${(m - floor).toFixed(0)} ms` : "";
    rows.push({ case: `${name} (${kind})`, value: m, unit: "ms", note: `median of ${rounds}${vs}` });
  }
}
report("startup", "CLI start-up: the compiled bin against node's own start-up", rows);
