/**
 * The built-in dctcp (src/net/tcp-cc/dctcp.ts, Linux 6.18 net/ipv4/tcp_dctcp.c)
 * and the BPF DCTCP with Linux's arithmetic (test/fixtures/dctcp_exact.bpf.c,
 * both builds, loaded through the library) give identical per-ACK traces in
 * the testbed: two flows through a step-marking bottleneck (DCTCP's K
 * threshold) and through RED with ECN. After every hook call of every socket
 * (sender and receiver: dctcp_update_alpha on each ACK, dctcp_ssthresh on
 * ECE, dctcp_state, dctcp_cwnd_event with the receiver's CE state machine
 * and its immediate ACKs) the hook's arguments and result, snd_cwnd,
 * snd_ssthresh, ecn_flags and the 28 bytes of struct dctcp before its PLB
 * state must be the same.
 *
 * The project's RFC 8257 fixture (dctcp.bpf.c) differs from Linux on
 * purpose and is not compared: it keeps alpha with 10 more bits (alpha·2^20
 * in a u64), ends a window only once snd_una passes next_seq (Linux: reaches),
 * skips windows in TCP_CA_Loss, caps the marked count at the delivered count,
 * reacts to a Recovery entry even when already in Recovery, and leaves
 * dctcp_update_alpha's decay-to-zero below alpha 16 to its own rounding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import { BpfObject } from "../../src/lib/object.js";
import { runTestbed } from "../../src/testbed/index.js";
import { dumbbell, MS, SEC } from "../../src/sim/index.js";
import type { QueueSpec, TraceRecord } from "../../src/sim/api.js";
import type { TcpSock } from "../../src/net/tcp-cc/sock.js";
import { fixture } from "../obj/helpers.js";

const BUILT_IN = "dctcp";
const BPF = "fx_dctcp_exact";

/** One line per hook call: the call and the state of the socket after it. */
function runTrace(queue: QueueSpec, cc: "builtin" | "model" | "linux"): { lines: string[]; marks: number; alphaMin: number } {
  const k = new EmulatedKernel({ tcpCong: { builtin: ["cubic", "dctcp"], default: "cubic" } });
  const p = k.process();
  let obj: BpfObject | undefined;
  if (cc !== "builtin") {
    obj = BpfObject.open(fixture("dctcp_exact", cc), { name: "dctcp_exact" });
    obj.load(p);
    obj.attachStructOps(BPF);
  }
  const name = cc === "builtin" ? BUILT_IN : BPF;
  const lines: string[] = [];
  let marks = 0;
  let alphaMin = 1024;
  const socks = (): TcpSock[] => [...k.tcp.sockets].filter((s) => !s.closed);
  const onRecord = (r: TraceRecord): void => {
    if (r.type !== "hook") return;
    if (r.hook === "cwnd_event" && r.args[0] === 5) marks++;
    const state = socks().map((s) => {
      const priv = Buffer.from(new Uint8Array(s.caPriv.buffer, s.caPriv.byteOffset, 28)).toString("hex");
      alphaMin = Math.min(alphaMin, s.caPrivU32(12));
      return `${s.snd_cwnd}/${s.snd_ssthresh}/${s.ecn_flags}/${priv}`;
    });
    assert.equal(r.cc, name);
    lines.push(`${r.t} ${r.flow} ${r.hook}(${r.args.join(",")})=${r.ret ?? ""} cwnd ${r.cwnd} | ${state.join(" ")}`);
  };
  const bottleneck = { rateBps: 100e6, delayNs: MS / 4, queue };
  runTestbed({
    topology: dumbbell({ pairs: 2, bottleneck }),
    flows: [
      { from: "s0", to: "r0", startNs: 0, cc: name },
      { from: "s1", to: "r1", startNs: 100 * MS, cc: name },
    ],
    durationNs: SEC,
    trace: { hooks: "all", sampleIntervalNs: 0 },
  }, { seed: 7, kernel: k, process: p, onRecord });
  obj?.close();
  return { lines, marks, alphaMin };
}

const QUEUES: Readonly<Record<string, QueueSpec>> = {
  "step marking at K = 20 packets": { kind: "step", markPackets: 20, packets: 400 },
  "RED with ECN": { kind: "red", limitBytes: 600_000, minBytes: 30_000, maxBytes: 90_000, maxP: 0.1, wlog: 5, ecn: true },
};

for (const [what, queue] of Object.entries(QUEUES)) {
  test(`dctcp built-in and BPF dctcp_exact (both builds): identical per-ACK traces, ${what}`, () => {
    const ref = runTrace(queue, "builtin");
    // The run exercises what is compared: CE marks reached the receivers, alpha fell well below its initial 1024.
    assert.ok(ref.marks > 50, `CE events: ${ref.marks}`);
    assert.ok(ref.alphaMin < 512, `lowest alpha: ${ref.alphaMin}`);
    assert.ok(ref.lines.length > 5000, `hook calls: ${ref.lines.length}`);
    for (const flavor of ["model", "linux"] as const) {
      const bpf = runTrace(queue, flavor);
      const n = Math.min(ref.lines.length, bpf.lines.length);
      for (let i = 0; i < n; i++) {
        if (ref.lines[i] !== bpf.lines[i]) assert.fail(`${flavor} build: hook call ${i} differs\n  built-in: ${ref.lines[i]}\n  bpf:      ${bpf.lines[i]}`);
      }
      assert.equal(bpf.lines.length, ref.lines.length, `${flavor} build: number of hook calls`);
    }
  });
}
