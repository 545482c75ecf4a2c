/**
 * @fileoverview The `structops` bin starting a second node with
 * `--single-threaded-gc` for `structops sweep` (issue #18). V8's parallel GC
 * helpers cost a sweep's worker threads 17-29 % of their time on a 2-core
 * machine (docs/benchmarks.md, "The bin re-executes node for sweeps"), and
 * the flag only takes effect on node's own command line:
 * `v8.setFlagsFromString` aborts V8 once the heap exists and NODE_OPTIONS
 * refuses it. So the bin runs `node <its own node options>
 * --single-threaded-gc <bin> <argv>` with the same stdin, stdout and stderr,
 * forwards SIGINT, SIGTERM and SIGHUP to it, and ends the way it ended: its
 * exit status, or the same signal. A child whose parent is killed outright
 * (SIGKILL) exits too, when the IPC channel between them closes.
 *
 * Not re-executed: `run` and `demo` (one simulation on the main thread: the
 * flag saved no CPU there, measured, so the second start would be pure cost;
 * `run --linux` also names its namespaces after its pid), every other
 * command (help, version, inspect, compare, tour, conformance, `sweep
 * merge`), a node that already has a GC-threading flag, one with a debugger
 * (`--inspect*`), and any command with `STRUCTOPS_NO_REEXEC=1`.
 */

/** The V8 flag the testbed runs under. */
export const GC_FLAG = "--single-threaded-gc";

/** Set to anything but "" or "0" to run every command in the first node. */
export const NO_REEXEC_ENV = "STRUCTOPS_NO_REEXEC";

/** Given to the child: the pid of the bin that started it, so it knows the IPC channel is ours. */
export const PARENT_ENV = "STRUCTOPS_REEXEC_PARENT";

/** Signals the bin passes on to the child (a terminal's Ctrl-C reaches both; the child's first one ends it). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Commands that gain from the flag (docs/benchmarks.md): a sweep's points run on worker threads. */
const REEXEC_COMMANDS = new Set(["sweep"]);

/** A node option that already decides GC threading (V8 reads `-` and `_` alike). */
const GC_DECIDED = /^--(no-)?single[-_]threaded([-_]gc)?$/;

/**
 * Whether `structops <argv>` should run in a node started with
 * {@link GC_FLAG}, given this node's options and environment.
 */
export function wantsSingleThreadedGc(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const optOut = env[NO_REEXEC_ENV];
  if (optOut !== undefined && optOut !== "" && optOut !== "0") return false;
  if (execArgv.some((a) => GC_DECIDED.test(a) || a.startsWith("--inspect"))) return false;
  const [command, ...rest] = argv;
  if (command === undefined || !REEXEC_COMMANDS.has(command)) return false;
  const end = rest.indexOf("--");
  const options = end === -1 ? rest : rest.slice(0, end);
  if (options.includes("--help") || options.includes("-h")) return false;
  if (command === "sweep" && options[0] === "merge") return false;
  return true;
}

/**
 * Runs `script argv` in a child node with {@link GC_FLAG} when
 * {@link wantsSingleThreadedGc} says so, and resolves to the exit status to
 * end with (after a child killed by a signal, this process has already sent
 * itself that signal). Resolves to null when the command should run here: not
 * wanted, or the child could not be started.
 */
export async function reexecWithSingleThreadedGc(script: string, argv: readonly string[]): Promise<number | null> {
  if (!wantsSingleThreadedGc(argv, process.execArgv, process.env)) return null;
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  const child = spawn(process.execPath, [...process.execArgv, GC_FLAG, script, ...argv], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { ...process.env, [PARENT_ENV]: String(process.pid) },
  });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  return new Promise((resolve) => {
    let started = false;
    const release = (): void => {
      for (const s of FORWARDED_SIGNALS) process.removeListener(s, forward);
    };
    child.once("spawn", () => {
      started = true;
      for (const s of FORWARDED_SIGNALS) process.on(s, forward);
    });
    child.once("error", () => {
      // Only a failed start matters here (nothing ran yet): run in this node instead.
      if (!started) resolve(null);
    });
    child.once("exit", (code, signal) => {
      release();
      if (signal === null) return resolve(code ?? 1);
      const n = constants.signals[signal] as number | undefined;
      try {
        process.kill(process.pid, signal);
      } catch {
        // Not a signal this platform can send itself: the status says it instead.
      }
      resolve(128 + (n ?? 0));
    });
  });
}

/**
 * In the child: when the bin that started it is gone (the IPC channel
 * closes, as when it is killed outright), end too, with SIGTERM's status.
 * The channel never keeps the child alive.
 */
export function exitWithParent(): void {
  const parent = process.env[PARENT_ENV];
  delete process.env[PARENT_ENV];
  if (parent === undefined || process.channel === undefined || Number(parent) !== process.ppid) return;
  process.channel.unref();
  process.once("disconnect", () => process.exit(143));
}
