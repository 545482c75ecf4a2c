/**
 * @fileoverview Kernel invariant violations and the kernel log.
 *
 * `KernelBug` is the model's BUG()/WARN_ON(): thrown for a state the kernel
 * believes impossible, never mapped to an errno, so every test fails on it.
 * `Dmesg` is the ring buffer users read as they would `dmesg`, where the model
 * records conditions the real kernel warns about (or corrupts itself on, such
 * as a struct_ops link updated to the map it already holds).
 */

/** An invariant of the kernel model was violated. */
export class KernelBug extends Error {
  override readonly name = "KernelBug";
}

/** One kernel log line. */
export interface DmesgLine {
  /** Simulated time in ns when the line was logged. */
  readonly ns: bigint;
  /** printk level: "warn", "info" or "err". */
  readonly level: "err" | "warn" | "info";
  readonly text: string;
}

/** The kernel log. Deterministic: timestamps come from the model's clock. */
export class Dmesg {
  private readonly lines: DmesgLine[] = [];
  constructor(private readonly now: () => bigint) {}

  /** Appends a line (printk). */
  log(level: DmesgLine["level"], text: string): void {
    this.lines.push({ ns: this.now(), level, text });
    if (this.lines.length > 10_000) this.lines.shift();
  }

  /** Every line so far, oldest first. */
  read(): readonly DmesgLine[] {
    return this.lines;
  }

  /** The log as `dmesg` prints it: `[    1.234567] text`. */
  format(): string {
    return this.lines
      .map((l) => {
        const us = l.ns / 1000n;
        const s = (us / 1_000_000n).toString().padStart(5, " ");
        const frac = (us % 1_000_000n).toString().padStart(6, "0");
        return `[${s}.${frac}] ${l.text}\n`;
      })
      .join("");
  }
}
