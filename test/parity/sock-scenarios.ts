/**
 * @fileoverview Parity scenarios for the socket calls, network namespaces
 * and unprivileged callers (issue #15 items 2, 3 and 12), run on the
 * emulated kernel and on Linux like every scenario of scenarios.ts:
 *
 * - the congestion control's hooks at connect, accept and close, logged by
 *   a BPF CA (./hook-log.ts): tcp_init_transfer, tcp_ca_openreq_child,
 *   the SYN-ACK's ACK processing, tcp_disconnect (KERNEL-SPEC.md §7.4);
 * - the socket calls' errnos (bind, listen, connect, accept);
 * - per-namespace defaults: EPERM for a restricted CA as the default of a
 *   namespace other than init_net (tcp_set_default_congestion_control,
 *   §7.4), sockets taking their namespace's default, ports per namespace;
 * - capability checks of bpf(2) as kernel/bpf/syscall.c makes them, and
 *   kernel.unprivileged_bpf_disabled (bpf_unpriv_handler).
 *
 * On Linux the process is in a private network namespace and unshares
 * further ones below it; kernel.unprivileged_bpf_disabled is global, so the
 * one scenario that sets it to 0 restores 2 in a finally (never 1: that
 * value is permanent until reboot, and is checked on the model only, in
 * test/kernel/unpriv-bpf.test.ts).
 */
import {
  BPF_BTF_LOAD, BPF_ENABLE_STATS, BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_MAP_GET_NEXT_ID, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_STRUCT_OPS, BPF_PROG_LOAD, BPF_PROG_QUERY, BPF_PROG_TYPE_SOCKET_FILTER,
  BPF_TASK_FD_QUERY,
} from "../../src/uapi/bpf-enums.js";
import { BPF_F_NO_PREALLOC } from "../../src/uapi/bpf-flags.js";
import { BPF_ATTR_SIZE } from "../../src/uapi/attr-layout.js";
import { assemble, BPF_EXIT_INSN, BPF_MOV64_IMM } from "../../src/asm/index.js";
import { BPF_REG_0 } from "../../src/uapi/insn.js";
import { intOnlyBtf } from "../../src/backend/linux/user-btf.js";
import { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN } from "../../src/kernel/task.js";
import type { Ca } from "./ca.js";
import { HookLog } from "./hook-log.js";
import type { Scenario } from "./scenarios.js";

const SYSCTL_CC = "/proc/sys/net/ipv4/tcp_congestion_control";
const UNPRIV = "/proc/sys/kernel/unprivileged_bpf_disabled";

/** A BPF CA that logs its hooks, registered with a link; `flags` 1 = TCP_CONG_NON_RESTRICTED. */
function hookCa(ca: Ca, name: string, flags: number): { log: HookLog; link: number } {
  const log = new HookLog(ca);
  const m = ca.createCaMap("create", name, true);
  ca.updateCa("update", m, name, log.progs(name), { flags });
  const link = ca.linkCreate("link", m);
  return { log, link };
}

/** A listener bound to an ephemeral port of 127.0.0.1, after an optional setsockopt; its fd and port. */
function listener(ca: Ca, label: string, cc?: string): { fd: number; port: number } {
  const l = ca.be.tcpSocket();
  ca.run.see(`${label}: socket`, l.errno);
  if (cc !== undefined) ca.setCc(label, l.ret, cc);
  ca.run.see(`${label}: bind`, ca.be.bind(l.ret, 0).errno);
  ca.run.see(`${label}: listen`, ca.be.listen(l.ret, 8).errno);
  const p = ca.be.localPort(l.ret);
  ca.run.see(`${label}: getsockname`, p.errno === 0 && p.port > 0 ? "a port" : `errno ${p.errno}`);
  return { fd: l.ret, port: p.port };
}

/** socket + optional setsockopt + connect; the fd. */
function client(ca: Ca, label: string, port: number, cc?: string): number {
  const c = ca.be.tcpSocket();
  ca.run.see(`${label}: socket`, c.errno);
  if (cc !== undefined) ca.setCc(label, c.ret, cc);
  ca.run.see(`${label}: connect`, ca.be.connect(c.ret, port).errno);
  return c.ret;
}

function accept(ca: Ca, label: string, fd: number): number {
  const a = ca.be.accept(fd);
  ca.run.see(`${label}: accept`, a.errno);
  return a.ret;
}

/** A raw bpf(2) with the attr's first u32 fields set (for commands refused before their attr is read). */
function rawCmd(ca: Ca, label: string, cmd: number, u32s: readonly number[]): number {
  const attr = new Uint8Array(BPF_ATTR_SIZE);
  const dv = new DataView(attr.buffer);
  u32s.forEach((v, i) => dv.setUint32(4 * i, v, true));
  const r = ca.be.bpfBytes(cmd, attr);
  if (r.errno === 0 && r.ret > 2) ca.be.close(r.ret);
  return ca.run.see(`${label}`, r.errno);
}

/** MAP_CREATE of a small map of `type`; records the errno and closes the map. */
function mapCreate(ca: Ca, label: string, type: number): number {
  const attrs =
    type === BPF_MAP_TYPE_SK_STORAGE
      ? { map_type: type, key_size: 4, value_size: 4, max_entries: 0, map_flags: BPF_F_NO_PREALLOC, btf_fd: ca.btfFd, btf_key_type_id: 1, btf_value_type_id: 1 }
      : type === BPF_MAP_TYPE_STRUCT_OPS
        ? { map_type: type, key_size: 4, value_size: ca.btf.ops.valueSize, max_entries: 1, btf_fd: ca.btfFd, btf_vmlinux_value_type_id: ca.btf.ops.valueTypeId }
        : { map_type: type, key_size: 4, value_size: 8, max_entries: 4 };
  const r = ca.be.bpf(BPF_MAP_CREATE, { ...attrs, map_name: "caps" });
  if (r.errno === 0) ca.be.close(r.ret);
  return ca.run.see(`${label}: MAP_CREATE type ${type}`, r.errno);
}

/** The commands whose capability checks differ, run with the current capabilities. */
function capChecks(ca: Ca, label: string): void {
  for (const t of [BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_STRUCT_OPS]) mapCreate(ca, label, t);
  const insns = assemble([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
  // A socket filter needs no capability, so only the sysctl can refuse it; the model loads struct_ops programs only.
  const sf = ca.be.bpf(BPF_PROG_LOAD, { prog_type: BPF_PROG_TYPE_SOCKET_FILTER, insns, insn_cnt: 2, license: "GPL" });
  if (sf.errno === 0) ca.be.close(sf.ret);
  ca.run.see(`${label}: PROG_LOAD socket_filter refused with EPERM`, sf.errno === 1);
  const so = ca.loadProg(label, "ssthresh", ca.kfuncInsns("tcp_reno_ssthresh", 1));
  if (so.errno === 0) ca.be.close(so.ret);
  const blob = intOnlyBtf();
  const b = ca.be.bpf(BPF_BTF_LOAD, { btf: blob, btf_size: blob.length });
  if (b.errno === 0) ca.be.close(b.ret);
  ca.run.see(`${label}: BTF_LOAD`, b.errno);
  ca.run.see(`${label}: MAP_GET_NEXT_ID`, ca.be.bpf(BPF_MAP_GET_NEXT_ID, { start_id: 0 }).errno === 1 ? "EPERM" : "allowed");
  const byId = ca.be.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: 0x7fff_fff0 });
  ca.run.see(`${label}: MAP_GET_FD_BY_ID of an unused id`, byId.errno);
  rawCmd(ca, `${label}: ENABLE_STATS of type 99`, BPF_ENABLE_STATS, [99]);
  rawCmd(ca, `${label}: PROG_QUERY on fd 0`, BPF_PROG_QUERY, [0, 0]);
}

export const SOCK_SCENARIOS: readonly Scenario[] = [
  {
    name: "socket calls: a CA's hooks at connect (pkts_acked, in_ack_event, init), on the accepted child (set_state, in_ack_event, init) and at close",
    spec: "§7.4 (tcp_init_transfer, tcp_ca_openreq_child, tcp_rcv_synsent_state_process, tcp_disconnect)",
    run(ca) {
      const { log, link } = hookCa(ca, "hooklog", 1);
      // Both ends choose the CA with setsockopt before connecting: nothing runs until establishment.
      const l = listener(ca, "listener hooklog", "hooklog");
      log.take("listening");
      const c = client(ca, "client hooklog", l.port, "hooklog");
      log.take("connected (client, then the listener's child)");
      const a = accept(ca, "child", l.fd);
      log.take("accepted");
      ca.getCc("accepted inherits the listener's CA", a);
      ca.close("client", c);
      log.take("client closed first");
      ca.close("child", a);
      log.take("child closed after the reset");
      ca.close("listener", l.fd);
      log.take("listener closed");
      // The listener on reno: only the client runs the CA.
      const l2 = listener(ca, "listener reno", "reno");
      const c2 = client(ca, "client hooklog 2", l2.port, "hooklog");
      log.take("client only");
      const a2 = accept(ca, "child 2", l2.fd);
      ca.getCc("child of a reno listener", a2);
      ca.close("child 2", a2);
      ca.close("client 2", c2);
      log.take("child closed first, then the client");
      // A CA chosen after connect: init at setsockopt; the same name again: nothing.
      const c3 = client(ca, "client reno", l2.port);
      const a3 = accept(ca, "child 3", l2.fd);
      ca.setCc("established", c3, "hooklog");
      ca.setCc("established again", c3, "hooklog");
      log.take("setsockopt on an established socket");
      ca.setCc("back to reno", c3, "reno");
      log.take("back to reno");
      ca.close("child 3", a3);
      ca.close("client 3", c3);
      // An unaccepted child closes with its listener.
      const l4 = listener(ca, "listener hooklog 4", "hooklog");
      const c4 = client(ca, "client 4", l4.port);
      log.take("connected to a hooklog listener");
      ca.close("listener 4 with a queued child", l4.fd);
      log.take("listener closed with its child");
      ca.close("client 4", c4);
      ca.close("listener 2", l2.fd);
      // Nobody listening: the reset runs set_state.
      const x = ca.be.tcpSocket();
      ca.setCc("refused", x.ret, "hooklog");
      ca.run.see("connect to a closed port", ca.be.connect(x.ret, l.port).errno);
      log.take("refused");
      ca.close("refused", x.ret);
      log.take("refused closed");
      // The namespace default: a listener that never chose takes it for its children.
      ca.run.see("default hooklog", ca.be.writeFile(SYSCTL_CC, "hooklog").errno);
      const l5 = listener(ca, "listener on the default");
      const c5 = client(ca, "client on the default", l5.port);
      log.take("both ends on the default");
      const a5 = accept(ca, "child 5", l5.fd);
      ca.getCc("child of a listener on the default", a5);
      ca.run.see("default reno", ca.be.writeFile(SYSCTL_CC, "reno").errno);
      for (const fd of [c5, a5, l5.fd]) ca.be.close(fd);
      log.take("closed");
      ca.close("link", link);
    },
  },
  {
    name: "socket calls: errnos of bind, listen, connect and accept",
    spec: "§7.4 (inet_bind, inet_listen, __inet_stream_connect, inet_csk_accept)",
    run(ca) {
      const a = ca.be.tcpSocket();
      ca.run.see("bind 127.0.0.1:5005", ca.be.bind(a.ret, 5005).errno);
      ca.run.see("bind again", ca.be.bind(a.ret, 5006).errno);
      ca.run.see("accept before listen", ca.be.accept(a.ret).errno);
      const b = ca.be.tcpSocket();
      ca.run.see("bind to a port in use", ca.be.bind(b.ret, 5005).errno);
      ca.run.see("listen", ca.be.listen(a.ret, 4).errno);
      ca.run.see("listen again", ca.be.listen(a.ret, 4).errno);
      ca.run.see("connect a listener", ca.be.connect(a.ret, 5005).errno);
      ca.run.see("connect", ca.be.connect(b.ret, 5005).errno);
      ca.run.see("connect again", ca.be.connect(b.ret, 5005).errno);
      ca.run.see("bind a connected socket", ca.be.bind(b.ret, 0).errno);
      ca.run.see("listen on a connected socket", ca.be.listen(b.ret, 4).errno);
      const c = ca.be.accept(a.ret);
      ca.run.see("accept", c.errno);
      ca.run.see("accepted port is the listener's", ca.be.localPort(c.ret).port === 5005);
      ca.run.see("bind on a closed fd", ca.be.bind(999, 0).errno);
      ca.run.see("bind on a map fd", ca.be.bind(ca.btfFd, 0).errno);
      for (const fd of [c.ret, b.ret, a.ret]) ca.be.close(fd);
    },
  },
  {
    name: "network namespaces: per-namespace default, EPERM for a restricted CA outside init_net, sockets and ports per namespace",
    spec: "§7.4 (tcp_set_default_congestion_control, tcp_sk_init, tcp_assign_congestion_control)",
    run(ca) {
      const { run, be } = ca;
      // Both start in a namespace of their own below the one they run in.
      run.see("unshare A", be.unshareNet().errno);
      run.see("A: default reno", be.writeFile(SYSCTL_CC, "reno").errno);
      run.see("A: default cubic (restricted)", be.writeFile(SYSCTL_CC, "cubic").errno);
      run.see("A: default of an unknown name", be.writeFile(SYSCTL_CC, "nosuch").errno);
      run.see("A: default", be.readFile(SYSCTL_CC).text.trim());
      const { link } = hookCa(ca, "ns_ca", 1);
      run.see("A: default ns_ca (non-restricted)", be.writeFile(SYSCTL_CC, "ns_ca").errno);
      run.see("A: default now", be.readFile(SYSCTL_CC).text.trim());
      run.allowed("A");
      const sA = be.socket();
      ca.getCc("A: socket", sA.ret);
      const lA = listener(ca, "A: listener");
      const nsA = be.openNetns();
      run.see("A: open ns fd", nsA.errno);
      run.see("unshare B", be.unshareNet().errno);
      run.see("B: default reno", be.writeFile(SYSCTL_CC, "reno").errno);
      const sB = be.socket();
      ca.getCc("B: socket", sB.ret);
      ca.getCc("B: A's socket keeps its CA", sA.ret);
      const x = be.tcpSocket();
      run.see("B: connect to A's port", be.connect(x.ret, lA.port).errno);
      run.see("B: bind A's port", be.bind(x.ret, lA.port).errno);
      run.see("setns A", be.setNetns(nsA.ret).errno);
      run.see("A again: default", be.readFile(SYSCTL_CC).text.trim());
      const sA2 = be.socket();
      ca.getCc("A again: socket", sA2.ret);
      run.see("setns to a map fd", be.setNetns(ca.btfFd).errno);
      run.see("setns to a closed fd", be.setNetns(999).errno);
      run.see("A: default reno again", be.writeFile(SYSCTL_CC, "reno").errno);
      for (const fd of [sA.ret, sB.ret, sA2.ret, x.ret, lA.fd, nsA.ret]) be.close(fd);
      ca.close("link", link);
    },
  },
  {
    name: "capabilities: what bpf(2) refuses without CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN or CAP_SYS_ADMIN (unprivileged_bpf_disabled = 2)",
    spec: "kernel/bpf/syscall.c map_create, bpf_prog_load, bpf_btf_load, bpf_prog_query, bpf_enable_stats, *_GET_NEXT_ID",
    run(ca) {
      const { run, be } = ca;
      run.see("unprivileged_bpf_disabled", be.readFile(UNPRIV).text.trim());
      const m = be.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 1, map_name: "before" });
      run.see("a map made with every capability", m.errno);
      try {
        for (const [label, caps] of [
          ["no capabilities", []],
          ["CAP_BPF", [CAP_BPF]],
          ["CAP_BPF + CAP_PERFMON", [CAP_BPF, CAP_PERFMON]],
          ["CAP_NET_ADMIN", [CAP_NET_ADMIN]],
          ["CAP_SYS_ADMIN", [CAP_SYS_ADMIN]],
        ] as const) {
          run.see(`${label}: capset`, be.setCapabilities(caps).errno);
          capChecks(ca, label);
          const v = new Uint8Array(8);
          run.see(`${label}: LOOKUP_ELEM on the earlier map`, be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: m.ret, key: new Uint8Array(4), value: v }).errno);
          run.see(`${label}: write unprivileged_bpf_disabled 2`, be.writeFile(UNPRIV, "2").errno);
        }
        be.setCapabilities([]);
        rawCmd(ca, "no capabilities: TASK_FD_QUERY", BPF_TASK_FD_QUERY, [0, 0, 0]);
      } finally {
        run.see("capabilities back", be.setCapabilities(null).errno);
      }
      run.see("write 3", be.writeFile(UNPRIV, "3").errno);
      run.see("write -1", be.writeFile(UNPRIV, "-1").errno);
      run.see("write x", be.writeFile(UNPRIV, "x").errno);
      run.see("write 2", be.writeFile(UNPRIV, "2").errno);
      run.see("after the writes", be.readFile(UNPRIV).text.trim());
      be.close(m.ret);
    },
  },
  {
    name: "unprivileged_bpf_disabled = 0: callers without capabilities create array and hash maps, not the CAP_BPF types",
    spec: "kernel/bpf/syscall.c map_create (sysctl_unprivileged_bpf_disabled), bpf_unpriv_handler",
    run(ca) {
      const { run, be } = ca;
      const before = run.see("before", be.readFile(UNPRIV).text.trim());
      // Only from 2 (the default here): 0 is then undone by writing 2 back; from 1 nothing can be undone.
      if (before !== "2") throw new Error(`kernel.unprivileged_bpf_disabled is ${before}, not 2: not changing it`);
      try {
        run.see("write 0", be.writeFile(UNPRIV, "0").errno);
        run.see("now", be.readFile(UNPRIV).text.trim());
        run.see("capset none", be.setCapabilities([]).errno);
        for (const t of [BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_STRUCT_OPS]) mapCreate(ca, "unprivileged", t);
        run.see("unprivileged: PROG_LOAD struct_ops", ca.loadProg("unprivileged", "ssthresh", ca.kfuncInsns("tcp_reno_ssthresh", 1)).errno);
      } finally {
        run.see("capabilities back", be.setCapabilities(null).errno);
        run.see("write 2", be.writeFile(UNPRIV, "2").errno);
      }
      run.see("after", be.readFile(UNPRIV).text.trim());
    },
  },
];
