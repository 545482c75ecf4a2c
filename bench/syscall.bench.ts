/**
 * @fileoverview bpf(2) throughput on the emulated kernel (issue #2): map
 * lookup and update, a struct_ops link create/update/detach cycle, and the
 * cost of one BPF_LINK_UPDATE with 0 and with 100,000 live sockets holding
 * the old ops. The last pair shows the update does not walk sockets: as in
 * Linux (bpf_struct_ops_map_link_update → tcp_update_congestion_control), a
 * swap only changes what the name resolves to; sockets keep their own ops
 * pointer and reference.
 */
import { BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH } from "../src/uapi/bpf-enums.js";
import { boot, counters, createCaMap, finish, loadCa, updateCa, linkCreate, linkUpdate, linkDetach } from "../test/kernel/harness.js";
import type { TcpSock } from "../src/net/tcp-cc/sock.js";
import { measure, report, QUICK, type BenchRow } from "./harness.js";

const rows: BenchRow[] = [];
const row = (c: string, ns: number, note?: string): void => {
  rows.push({ case: c, value: ns, unit: "ns/call", note: `${(1e9 / ns / 1e6).toFixed(2)} M calls/s${note === undefined ? "" : `; ${note}`}` });
};

function ok(r: { ret: number; errno: number }, what: string): number {
  if (r.errno !== 0) throw new Error(`${what}: errno ${r.errno}`);
  return r.ret;
}

// ---- map lookup / update -----------------------------------------------------
{
  const env = boot();
  const arr = ok(env.p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 64, max_entries: 256 }), "array");
  const hash = ok(env.p.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_HASH, key_size: 8, value_size: 64, max_entries: 4096 }), "hash");
  const key4 = new Uint8Array(4);
  const key8 = new Uint8Array(8);
  const value = new Uint8Array(64);
  new DataView(key4.buffer).setUint32(0, 17, true);
  ok(env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: hash, key: key8, value, flags: 0 }), "hash seed");
  row("MAP_LOOKUP_ELEM array", measure(() => void env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: arr, key: key4, value }), 20_000).nsPerOp);
  row("MAP_UPDATE_ELEM array", measure(() => void env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: arr, key: key4, value, flags: 0 }), 20_000).nsPerOp);
  row("MAP_LOOKUP_ELEM hash", measure(() => void env.p.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: hash, key: key8, value }), 20_000).nsPerOp);
  row("MAP_UPDATE_ELEM hash (existing key)", measure(() => void env.p.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: hash, key: key8, value, flags: 0 }), 20_000).nsPerOp);
  finish(env);
}

// ---- link create / update / detach / close cycle -------------------------------
interface Pair {
  env: ReturnType<typeof boot>;
  a: number;
  b: number;
}

/** Two BPF_F_LINK tcp_congestion_ops maps with the same CA name, both READY. */
function pair(): Pair {
  const env = boot();
  const cnt = counters(env);
  const a = ok(createCaMap(env, "ca_a", true), "map a");
  const b = ok(createCaMap(env, "ca_b", true), "map b");
  ok(updateCa(env, a, "bench_ca", loadCa(env, cnt, 0)), "update a");
  ok(updateCa(env, b, "bench_ca", loadCa(env, cnt, 1)), "update b");
  return { env, a, b };
}

{
  const { env, a, b } = pair();
  const t = measure(() => {
    const link = ok(linkCreate(env, a), "link create");
    ok(linkUpdate(env, link, b), "link update");
    ok(linkDetach(env, link), "link detach");
    env.p.close(link);
    env.kernel.settle();
  }, 2_000);
  row("LINK_CREATE+UPDATE+DETACH+close+grace period", t.nsPerOp, "one full cycle");
  finish(env);
}

// ---- LINK_UPDATE with 0 and 100,000 sockets on the old ops ---------------------
for (const nsocks of QUICK ? [0, 1_000] : [0, 10_000, 100_000]) {
  const { env, a, b } = pair();
  const link = ok(linkCreate(env, a), "link create");
  const socks: TcpSock[] = [];
  for (let i = 0; i < nsocks; i++) {
    const sk = env.tcp.socket();
    if (typeof sk === "number") throw new Error(`socket: errno ${-sk}`);
    const r = env.tcp.setCongestionControl(sk, "bench_ca", { capNetAdmin: true });
    if (r !== 0) throw new Error(`setsockopt: errno ${-r}`);
    socks.push(sk);
  }
  // Alternate a→b→a: each call replaces the registered ops while every socket keeps a.
  let next = b;
  const t = measure(() => {
    ok(linkUpdate(env, link, next), "link update");
    next = next === b ? a : b;
  }, 2_000);
  row(`LINK_UPDATE, ${nsocks.toLocaleString("en-US")} sockets on the old ops`, t.nsPerOp);
  for (const sk of socks) env.tcp.close(sk);
  env.p.close(link);
  finish(env);
}

report("syscall", "bpf(2) on the emulated kernel", rows);
