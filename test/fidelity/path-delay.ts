/**
 * @fileoverview Measures how long the Linux testbed's path takes each way,
 * packet by packet, for the model's `wake` (docs/fidelity.md, "Slow start
 * at 100 Mbit/s: the path wakes late"). Needs root (tracefs, the Linux
 * testbed).
 *
 * While one fidelity run goes on, the kernel's `tcp:tcp_probe` tracepoint
 * (net/ipv4/tcp_input.c, `tcp_rcv_established`: every segment a socket in
 * ESTABLISHED receives, with snd_una and srtt before it is processed) is
 * read from a private tracefs mount and instance. Both ends are on this
 * machine's clock, so:
 * - ACK path: a data segment's arrival at the receiver to the sender's
 *   receipt of the ACK that first covers it (one ACK per segment in the first
 *   flights: quick ACKs);
 * - data path: the sender's receipt of an ACK to the arrival of the first
 *   segment it released (two per ACK in slow start);
 * - RTT samples from the sender's srtt at each ACK (rtt-samples.ts), in
 *   slow start and after 1 s.
 * It prints, for the first packet of each of the first flights, both one-way
 * times (the configuration's delay is RTT/2), and the percentiles of the RTT
 * samples.
 *
 *   npx tsx test/fidelity/path-delay.ts [--config NAME] [--cc reno] [--runs N] [--seconds S]
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { configByName } from "./configs.js";
import { buildTools, probeLinux, runLinuxFlow } from "./linux-testbed.js";
import type { CwndSample } from "./metrics.js";
import { rttSamples } from "./rtt-samples.js";
import { openTrace } from "./tbf-lateness.js";

/** One tcp_probe line: time (ms), whether the sender's socket saw it, payload, snd_una, srtt (µs). */
export interface Probe {
  readonly tMs: number;
  readonly sender: boolean;
  readonly len: number;
  readonly una: number;
  readonly srttUs: number;
}

const LINE_RE = /\s(\d+\.\d+): tcp_probe: .*?src=([\d.]+):\d+ .*?data_len=(\d+) .*?snd_una=(0x[0-9a-f]+) .*?srtt=(\d+)/;

/** A trace_pipe line of tcp_probe, the sender being `senderAddr`; undefined for other lines. */
export function parseProbe(line: string, senderAddr: string): Probe | undefined {
  const m = LINE_RE.exec(line);
  if (m === null) return undefined;
  return { tMs: Number(m[1]) * 1000, sender: m[2] === senderAddr, len: Number(m[3]), una: parseInt(m[4] as string, 16), srttUs: Number(m[5]) };
}

/** The one-way times (ms) of the first packet of each flight, flights being separated by gaps of 5 ms at the receiver. */
export function flightDelays(probes: readonly Probe[], mss: number, flights: number): { ack: number[]; data: number[] } {
  const rcv = probes.filter((p) => !p.sender && p.len > 0).map((p) => p.tMs);
  const snd = probes.filter((p) => p.sender);
  if (rcv.length === 0 || snd.length === 0) throw new Error("no segments of the run were traced");
  const una0 = (snd[0] as Probe).una;
  const ack: number[] = [];
  const data: number[] = [];
  let first = 0;
  for (let f = 0; f < flights; f++) {
    // The ACK covering segment `first` is the sender's probe after which snd_una has passed it.
    const i = snd.findIndex((p, j) => j + 1 < snd.length && ((snd[j + 1] as Probe).una - una0) / mss > first);
    if (i < 0) break;
    const acked = (snd[i] as Probe).tMs;
    ack.push(acked - (rcv[first] as number));
    const next = rcv.findIndex((t) => t > acked);
    if (next < 0) break;
    data.push((rcv[next] as number) - acked);
    first = next;
  }
  return { ack, data };
}

/** The sender's srtt at each ACK as a trace (time 0: `t0Ms`), for rtt-samples.ts. */
export function senderTrace(probes: readonly Probe[], t0Ms: number): CwndSample[] {
  return probes.filter((p) => p.sender).map((p) => ({ tS: (p.tMs - t0Ms) / 1000, cwnd: 0, ssthresh: 0, rttUs: p.srttUs }));
}

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(p * (s.length - 1))] ?? NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: "string" }, cc: { type: "string" }, runs: { type: "string" }, seconds: { type: "string" } } });
  const cfg = configByName(values.config ?? "100mbit-20ms-0.5bdp");
  const cc = values.cc ?? "reno";
  const probe = probeLinux();
  if (!probe.ok) throw new Error(`cannot run the Linux side here: ${probe.reason}`);
  const tools = buildTools();
  const trace = openTrace();
  try {
    const w = (f: string, v: string): void => writeFileSync(join(trace.dir, f), v);
    w("buffer_size_kb", "60000");
    w("trace_clock", "mono");
    w("events/tcp/tcp_probe/enable", "1");
    for (let i = 0; i < Number(values.runs ?? "1"); i++) {
      const probes: Probe[] = [];
      const cat = spawn("cat", [join(trace.dir, "trace_pipe")], { stdio: ["ignore", "pipe", "ignore"] });
      // The testbed's sender is 10.201.1.1 (src/testbed/linux/netns.ts); other sockets' lines are left out.
      createInterface({ input: cat.stdout }).on("line", (l) => {
        const p = l.includes("10.201.") ? parseProbe(l, "10.201.1.1") : undefined;
        if (p !== undefined) probes.push(p);
      });
      const load = loadavg()[0]?.toFixed(1);
      await runLinuxFlow(tools, cfg, cc, { seconds: Number(values.seconds ?? "3"), seed: i + 1 });
      await new Promise((r) => setTimeout(r, 500));
      cat.kill();
      await new Promise((r) => cat.once("close", r));
      const { ack, data } = flightDelays(probes, 1448, 5);
      const sent = senderTrace(probes, probes.find((p) => !p.sender)?.tMs ?? 0);
      const ss = rttSamples(sent.filter((s) => s.tS < 0.1), 0).samples;
      const late = rttSamples(sent, 1).samples;
      const f = (xs: number[]): string => xs.map((x) => x.toFixed(3)).join(" ");
      console.log(`${cfg.name} ${cc} run ${i + 1} (load ${load}): first packet of flights 1-5, ACK path ${f(ack)} ms, data path ${f(data)} ms (one-way delay ${cfg.rttMs / 2} ms)`);
      console.log(`  RTT samples, first 100 ms: min ${pct(ss, 0)} p5 ${pct(ss, 0.05)} p50 ${pct(ss, 0.5)} µs; after 1 s: min ${pct(late, 0)} p1 ${pct(late, 0.01)} p5 ${pct(late, 0.05)} µs`);
    }
    w("events/tcp/enable", "0");
  } finally {
    trace.close();
    tools.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  main().catch((e: unknown) => {
    console.error(`path-delay: ${(e as Error).message}`);
    process.exit(1);
  });
}
