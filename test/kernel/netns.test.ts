/**
 * @fileoverview Network namespaces of the emulated kernel where the parity
 * suite cannot compare with Linux (KERNEL-SPEC.md §7.4; net/ipv4/tcp_cong.c
 * and tcp_ipv4.c, Linux 6.18):
 *
 * - a new namespace starts on init_net's current default (tcp_sk_init); on
 *   Linux the parity process runs outside init_net, so the value it would see
 *   is the machine's, not the scenario's;
 * - EPERM for a restricted BPF CA as a non-init default keeps the reference
 *   bpf_try_module_get took (tcp_set_default_congestion_control returns
 *   before its put): read in the source, not probed, since on Linux it would
 *   pin a struct_ops map until reboot;
 * - a namespace's exit drops its default's reference (tcp_sk_exit), so a
 *   BPF default does not outlive the namespace.
 * The rest (per-namespace defaults, EPERM for a restricted built-in, sockets
 * and ports per namespace, setns) runs on both backends in
 * test/parity/sock-scenarios.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EPERM } from "../../src/uapi/errno.js";
import { ModelProcess } from "../../src/backend/model-process.js";
import { boot, counters, createCaMap, finish, linkCreate, loadCa, mapIdOf, updateCa } from "./harness.js";

const SYSCTL = "/proc/sys/net/ipv4/tcp_congestion_control";

test("a new network namespace starts on init_net's current default (tcp_sk_init), not its parent's", () => {
  const env = boot({ defaultCongestionControl: "cubic" });
  assert.equal(env.p.unshareNet().errno, 0);
  assert.equal(env.p.readFile(SYSCTL).text, "cubic\n");
  assert.equal(env.p.writeFile(SYSCTL, "reno").errno, 0);
  assert.equal(env.p.unshareNet().errno, 0);
  assert.equal(env.p.readFile(SYSCTL).text, "cubic\n", "init_net's, not the parent's reno");
  const other = new ModelProcess(env.kernel.spawn("other"), env.tcp);
  assert.equal(other.readFile(SYSCTL).text, "cubic\n", "init_net itself unchanged");
  other.exit();
  finish(env);
});

test("unshare and setns need CAP_SYS_ADMIN (EPERM); a socket keeps its namespace after the process leaves it", () => {
  const env = boot();
  const user = new ModelProcess(env.kernel.spawn("user", [], 1000), env.tcp);
  assert.equal(user.unshareNet().errno, EPERM);
  const ns = user.openNetns();
  assert.equal(ns.errno, 0);
  assert.equal(user.setNetns(ns.ret).errno, EPERM);
  user.exit();
  const s = env.p.tcpSocket();
  const net = env.p.sock(s.ret)?.net;
  assert.equal(env.p.unshareNet().errno, 0);
  assert.notEqual(env.p.task.net, net);
  assert.equal(env.p.sock(s.ret)?.net, net, "sock_net is fixed at creation");
  finish(env);
});

test("a restricted BPF CA as a non-init default: EPERM, and the map stays referenced (tcp_set_default_congestion_control keeps its module get)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "restricted", true);
  assert.equal(updateCa(env, m.ret, "restricted", loadCa(env, cnt, 0)).errno, 0);
  const l = linkCreate(env, m.ret);
  assert.equal(l.errno, 0);
  const map = env.kernel.mapIdr.find(mapIdOf(env, "restricted") ?? 0);
  assert.ok(map !== undefined && map !== null);
  const before = map.refcnt.count;
  assert.equal(env.p.unshareNet().errno, 0);
  assert.equal(env.p.writeFile(SYSCTL, "restricted").errno, EPERM);
  assert.equal(map.refcnt.count, before + 1, "the reference taken before the EPERM is not dropped");
  env.p.exit();
  env.kernel.settle();
  assert.ok(env.kernel.leaks().some((x) => x.includes("map")), "the map outlives every fd, as on Linux");
});

test("a namespace's exit drops the reference its default holds: a BPF default goes with the last task and socket (tcp_sk_exit)", () => {
  const env = boot();
  const cnt = counters(env);
  const m = createCaMap(env, "ns_default", true);
  assert.equal(updateCa(env, m.ret, "ns_default", loadCa(env, cnt, 0), { flags: 1 }).errno, 0);
  const l = linkCreate(env, m.ret);
  assert.equal(env.p.unshareNet().errno, 0);
  assert.equal(env.p.writeFile(SYSCTL, "ns_default").errno, 0);
  const s = env.p.socket();
  assert.equal(env.p.getCongestion(s.ret).name, "ns_default");
  assert.equal(env.p.close(l.ret).errno, 0);
  finish(env);
});
