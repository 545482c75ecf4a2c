/**
 * @fileoverview A BPF_LINK_UPDATE in the middle of a run (KERNEL-SPEC §9,
 * the tcp_ca_update selftest's update case, on simulated flows): flows
 * established before the update keep the old struct_ops map's programs,
 * flows started after it run the new ones. Programs are bytecode built by
 * the kernel test harness: Reno through kfuncs, and an init() that counts
 * sockets per version in an array map.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boot, counter, counters, createCaMap, finish, linkCreate, linkUpdate, loadCa, updateCa } from "../kernel/harness.js";
import { TcpCcSimHost } from "../../src/backend/model.js";
import { Simulation } from "../../src/sim/run.js";
import { dumbbell, MS, SEC } from "../../src/sim/index.js";
import type { TcpCcHost } from "../../src/uapi/tcp-cc.js";
import type { TraceRecord } from "../../src/sim/api.js";

test("BPF_LINK_UPDATE at 2 s: existing flows stay on version 1, a flow started at 3 s runs version 2", () => {
  const env = boot();
  const cnt = counters(env);
  const m1 = createCaMap(env, "ca_update_1", true);
  assert.equal(updateCa(env, m1.ret, "tcp_ca_update", loadCa(env, cnt, 0)).errno, 0);
  const m2 = createCaMap(env, "ca_update_2", true);
  assert.equal(updateCa(env, m2.ret, "tcp_ca_update", loadCa(env, cnt, 1)).errno, 0);
  const link = linkCreate(env, m1.ret);
  assert.equal(link.errno, 0);

  const host: TcpCcHost = new TcpCcSimHost(env.tcp);
  const records: TraceRecord[] = [];
  const topology = dumbbell({ pairs: 3, bottleneck: { rateBps: 20e6, delayNs: 10 * MS, queue: { kind: "droptail", packets: 60 } } });
  const sim = new Simulation(
    {
      topology,
      flows: [
        { id: "old1", from: "s0", to: "r0", startNs: 0, cc: "tcp_ca_update" },
        { id: "old2", from: "s1", to: "r1", startNs: 100 * MS, cc: "tcp_ca_update" },
      ],
      durationNs: 5 * SEC,
      trace: { sampleIntervalNs: 100 * MS },
    },
    host,
    { seed: 7, onRecord: (r) => records.push(r) },
  );
  let updateErrno = -1;
  sim.addAction({ atNs: 2 * SEC, label: "BPF_LINK_UPDATE", run: () => (updateErrno = linkUpdate(env, link.ret, m2.ret).errno) }, null);
  sim.addAction({ atNs: 3 * SEC, label: "new flow", run: (c) => c.addFlow({ id: "new", from: "s2", to: "r2", startNs: 0, cc: "tcp_ca_update" }) }, sim.actionApi);
  const beforeUpdate = { v1: 0n, v2: 0n };
  sim.addAction({ atNs: 2 * SEC - 1, label: "probe", run: () => ((beforeUpdate.v1 = counter(env, cnt, 0)), (beforeUpdate.v2 = counter(env, cnt, 1))) }, null);
  const r = sim.run();
  assert.equal(updateErrno, 0);
  assert.deepEqual(beforeUpdate, { v1: 2n, v2: 0n });
  assert.equal(counter(env, cnt, 0), 2n, "version 1 initialised the two old sockets only");
  assert.equal(counter(env, cnt, 1), 1n, "version 2 initialised the new socket");
  // The old flows kept sending after the update.
  for (const id of ["old1", "old2"]) {
    const s = records.filter((x) => x.type === "flow" && x.flow === id);
    const at = (t: number): number => {
      const x = s.find((y) => y.t >= t);
      return x !== undefined && x.type === "flow" ? x.bytesAcked : 0;
    };
    assert.ok(at(4.5 * SEC) > at(2.5 * SEC), `${id} progresses after the update`);
  }
  assert.ok((r.flows.find((f) => f.id === "new")?.bytesAcked ?? 0) > 0);
  assert.ok(records.some((x) => x.type === "action" && x.label === "BPF_LINK_UPDATE"));
  finish(env);
});
