/**
 * @fileoverview Quantities in scenario files: durations, bit rates, byte
 * sizes and probabilities, written the way tc(8) and networking people write
 * them ("20ms", "100mbit", "64KiB", "1%"). Each parser returns the value in
 * the model's unit (integer nanoseconds, bits per second, bytes, a fraction)
 * or a string saying what was expected; the validator turns that string into
 * an error that names the field and its line.
 *
 * Rates are always bits per second: "mbps" means megabits here, unlike tc's
 * "mbps" (megabytes), because that is how link rates are quoted everywhere
 * else; docs/scenarios.md says so.
 */

const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)(?:e([+-]?\d+))?`;

function num(m: string, exp: string | undefined): number {
  return Number(m) * 10 ** (exp === undefined ? 0 : Number(exp));
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, sec: 1e9, m: 60e9, min: 60e9 };
const TIME_RE = new RegExp(`^${NUM}\\s*(ns|us|µs|ms|s|sec|min|m)$`);

/**
 * Parses a duration: a string with a unit (ns, us, ms, s, min) or a plain
 * number of seconds. Returns integer nanoseconds (rounded to the nearest).
 */
export function parseDuration(v: unknown): number | string {
  const expected = 'a duration such as "200ms", "1.5s" or a number of seconds';
  let ns: number;
  if (typeof v === "number") ns = v * 1e9;
  else if (typeof v === "string") {
    const m = TIME_RE.exec(v.trim());
    if (m === null) return expected;
    ns = num(m[1] as string, m[2]) * (TIME_UNITS[m[3] as string] as number);
  } else return expected;
  if (!Number.isFinite(ns) || ns < 0) return "a duration ≥ 0";
  const r = Math.round(ns);
  if (!Number.isSafeInteger(r)) return "a duration below 104 days";
  return r;
}

const RATE_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const RATE_RE = new RegExp(`^${NUM}\\s*([kmgt]?)(?:bit|bps|b/s|bit/s)$`, "i");

/** Parses a bit rate ("100mbit", "1Gbit/s", "10Mbps", or a number of bits per second); returns bits per second. */
export function parseRate(v: unknown): number | string {
  const expected = 'a rate such as "100mbit", "1gbit" or a number of bits per second';
  let bps: number;
  if (typeof v === "number") bps = v;
  else if (typeof v === "string") {
    const m = RATE_RE.exec(v.trim());
    if (m === null) return expected;
    bps = num(m[1] as string, m[2]) * (RATE_UNITS[(m[3] as string).toLowerCase()] as number);
  } else return expected;
  if (!Number.isFinite(bps) || bps <= 0) return "a rate > 0";
  const r = Math.round(bps);
  if (!Number.isSafeInteger(r)) return "a rate below 9 Pbit/s";
  return r;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1, "": 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1e3, m: 1e6, g: 1e9,
};
const SIZE_RE = new RegExp(`^${NUM}\\s*(b|kb|mb|gb|kib|mib|gib|k|m|g)?$`, "i");

/** Parses a byte count ("64KiB", "10MB", "1500", or a number); returns bytes (an integer). */
export function parseSize(v: unknown): number | string {
  const expected = 'a size such as "1500", "64KiB" or "10MB"';
  let bytes: number;
  if (typeof v === "number") bytes = v;
  else if (typeof v === "string") {
    const m = SIZE_RE.exec(v.trim());
    if (m === null) return expected;
    bytes = num(m[1] as string, m[2]) * (SIZE_UNITS[(m[3] ?? "").toLowerCase()] as number);
  } else return expected;
  if (!Number.isFinite(bytes) || bytes <= 0) return "a size > 0";
  const r = Math.round(bytes);
  if (!Number.isSafeInteger(r)) return "a size below 8 PiB";
  return r;
}

/** Parses a probability: a fraction in [0, 1] or a percentage string ("0.5%"). */
export function parseProbability(v: unknown): number | string {
  const expected = 'a probability in [0, 1] or a percentage such as "0.5%"';
  let p: number;
  if (typeof v === "number") p = v;
  else if (typeof v === "string") {
    const m = new RegExp(`^${NUM}\\s*%$`).exec(v.trim());
    if (m === null) return expected;
    p = num(m[1] as string, m[2]) / 100;
  } else return expected;
  if (!Number.isFinite(p) || p < 0 || p > 1) return expected;
  return p;
}

/** Formats nanoseconds as the shortest exact unit ("1.5s", "200ms", "10us", "7ns"), for messages and labels. */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  for (const [unit, scale] of [["s", 1e9], ["ms", 1e6], ["us", 1e3]] as const) {
    if (ns >= scale) {
      const v = ns / scale;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(6))}${unit}`;
    }
  }
  return `${ns}ns`;
}

/** Formats a rate in bits per second with an SI unit ("100 Mbit/s"). */
export function formatRate(bps: number): string {
  for (const [unit, scale] of [["Gbit/s", 1e9], ["Mbit/s", 1e6], ["kbit/s", 1e3]] as const) {
    if (bps >= scale) return `${Number((bps / scale).toFixed(3))} ${unit}`;
  }
  return `${Number(bps.toFixed(3))} bit/s`;
}
