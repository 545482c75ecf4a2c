/**
 * @fileoverview The per-input watchdog of the ELF and scenario fuzzers: a
 * persistent child process (test/fuzz/sandbox-child.ts, with a V8 heap cap)
 * runs one input at a time; the parent kills it and reports a violation when
 * an input runs past the time limit, when the child's RSS (read from
 * /proc/<pid>/statm, so WebAssembly memories count too) passes the memory
 * cap, or when the child dies. A fresh child replaces a killed one.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

export interface SandboxLimits {
  /** Wall-clock limit per input, ms. */
  readonly timeoutMs: number;
  /** Resident set cap, MiB. */
  readonly rssMiB: number;
  /** V8 old-space cap of the child, MiB. */
  readonly heapMiB: number;
}

/** The reply of the child for one input: a violation text or null. */
interface Reply {
  readonly id: number;
  readonly violation: string | null;
}

function rssMiB(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return (pages * 4096) / (1 << 20);
  } catch {
    return 0;
  }
}

export class Sandbox {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private stderr = "";

  constructor(private readonly limits: SandboxLimits) {}

  /** A running child, started if needed; resolves once it has loaded its modules (start-up is not timed). */
  private async ready(): Promise<ChildProcess> {
    if (this.child !== null) return this.child;
    const c = this.spawn();
    await new Promise<void>((ok, fail) => {
      const onMsg = (m: { ready?: boolean }): void => {
        if (m.ready !== true) return;
        c.off("message", onMsg);
        c.off("exit", onExit);
        ok();
      };
      const onExit = (code: number | null): void => fail(new Error(`fuzz sandbox: the child exited (${code}) while starting\n${this.stderr}`));
      c.on("message", onMsg);
      c.on("exit", onExit);
    });
    return c;
  }

  private spawn(): ChildProcess {
    const c = fork(join(here, "sandbox-child.ts"), [], {
      cwd: root,
      execArgv: ["--import", "tsx", `--max-old-space-size=${this.limits.heapMiB}`, "--stack-size=984"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
    });
    c.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child = c;
    return c;
  }

  /** Runs `task` on `input` in the child; resolves to a violation text (ending with `describe` when the child hung, grew or died) or null. */
  async run(task: string, input: unknown, describe = ""): Promise<string | null> {
    const c = await this.ready();
    const id = this.nextId++;
    this.stderr = "";
    return new Promise((done) => {
      let finished = false;
      const finish = (v: string | null, kill: boolean): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearInterval(poll);
        c.off("message", onMessage);
        c.off("exit", onExit);
        if (kill) {
          c.kill("SIGKILL");
          this.child = null;
        }
        done(v);
      };
      const onMessage = (m: Reply): void => {
        if (m.id === id) finish(m.violation, false);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        this.child = null;
        finish(`crash: the child died (exit ${code}, signal ${signal}) on a ${task} input${describe}\n${this.stderr}`, false);
      };
      const timer = setTimeout(() => finish(`hang: a ${task} input ran past the ${this.limits.timeoutMs} ms watchdog${describe}`, true), this.limits.timeoutMs);
      const poll = setInterval(() => {
        const rss = c.pid === undefined ? 0 : rssMiB(c.pid);
        if (rss > this.limits.rssMiB) finish(`memory: the child's RSS reached ${rss.toFixed(0)} MiB (cap ${this.limits.rssMiB} MiB) on a ${task} input${describe}`, true);
      }, 25);
      c.on("message", onMessage);
      c.on("exit", onExit);
      c.send({ id, task, input });
    });
  }

  close(): void {
    this.child?.kill("SIGKILL");
    this.child = null;
  }
}
