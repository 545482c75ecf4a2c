/**
 * @fileoverview Parity scenarios of BPF iterators over TCP sockets
 * (issue #20; net/ipv4/tcp_ipv4.c bpf_iter_tcp_*, kernel/bpf/bpf_iter.c,
 * net/core/filter.c bpf_sk_setsockopt), run by lib-parity.test.ts on the
 * emulated kernel and on Linux through the same library calls, with the
 * fixtures iter_tcp.bpf.c and iter_bad.bpf.c:
 *
 * - the behaviour of the kernel selftest bpf_iter_setsockopt: a listener,
 *   8 clients and their 8 accepted sockets, every one moved by the iterator
 *   to a BPF congestion control; then BPF_LINK_UPDATE to a second version
 *   and a second walk that moves them again. Compared: each socket's line
 *   (ports as roles), the visiting order's shape (the listener first, then
 *   the 16 connections once each, seq_num 0..16, the closing call with
 *   seq_num 16; the order inside the established hash depends on Linux's
 *   boot-time hash secrets, so it is compared as a set), every socket's
 *   algorithm after the walk, and each version's init/release counts;
 * - programs the verifier refuses (a NULL sk_common dereferenced or passed
 *   to bpf_setsockopt, a context store, a read past the context): errno and
 *   the log's error lines;
 * - options bpf_setsockopt refuses in an iterator: each errno;
 * - BPF_LINK_UPDATE of an iterator link to another program of the same
 *   target, with and without BPF_F_REPLACE, and what it refuses.
 */
import { BPF_ITER_CREATE, BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE, BPF_TRACE_ITER } from "../../src/uapi/bpf-enums.js";
import { BPF_F_REPLACE } from "../../src/uapi/bpf-flags.js";
import type { LibRun, LibScenario } from "./lib-harness.js";

const SYSCTL_CC = "/proc/sys/net/ipv4/tcp_congestion_control";
const COUNTERS = ["fx_visited", "fx_moved", "fx_failed", "fx_v1_inits", "fx_v1_releases", "fx_v2_inits", "fx_v2_releases"];

/** A listener on an ephemeral port, `n` clients connected to it and their accepted sockets. */
function connections(x: LibRun, n: number): { listener: number; clients: number[]; accepted: number[]; roles: Map<number, string> } {
  const be = x.t.be;
  const l = be.tcpSocket().ret;
  x.run.see("listener: bind, listen", [be.bind(l, 0).errno, be.listen(l, 2 * n).errno]);
  const roles = new Map<number, string>([[be.localPort(l).port, "L"]]);
  const clients: number[] = [];
  const accepted: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = be.tcpSocket().ret;
    x.run.see(`client ${i}: connect`, be.connect(c, be.localPort(l).port).errno);
    roles.set(be.localPort(c).port, `c${i}`);
    clients.push(c);
  }
  for (let i = 0; i < n; i++) {
    const a = be.accept(l);
    x.run.see(`accept ${i}`, a.errno);
    accepted.push(a.ret);
  }
  return { listener: l, clients, accepted, roles };
}

/**
 * Records one walk of the iterator: its lines with ports as roles, the
 * listening part in order, the established part as a sorted set, whether
 * seq_num counts 0, 1, 2... and the closing line.
 */
function walk(x: LibRun, label: string, text: string, roles: ReadonlyMap<number, string>): void {
  const role = (p: string): string => roles.get(Number(p)) ?? (p === "0" ? "-" : "other");
  const lines = text.trimEnd().split("\n");
  const end = lines.pop() ?? "";
  const rows = lines.map((l) => l.split(" "));
  x.run.see(`${label}: seq_num 0..n-1 in order`, rows.every((r, i) => r[0] === String(i)));
  const shown = rows.map(([, state = "", lport = "", rport = "", from = "", res = "", inits = ""]) => `state ${state} ${role(lport)}->${role(rport)} from ${from} res ${res} inits ${inits}`);
  const listening = rows.findIndex((r) => r[1] !== "10");
  x.run.see(`${label}: listening sockets first`, shown.slice(0, listening < 0 ? shown.length : listening));
  x.run.see(`${label}: then the established hash (as a set)`, shown.slice(listening < 0 ? shown.length : listening).sort());
  x.run.see(`${label}: closing call`, end);
}

/** The error lines that end a verifier log (before "processed ..."), without instruction, state or source lines. */
function errorLines(log: string): string[] {
  const lines = log.trimEnd().split("\n");
  if (lines[lines.length - 1]?.startsWith("processed ")) lines.pop();
  const out: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = (lines[i] as string).trim();
    if (/^\d+: /.test(l) || l.startsWith(";")) break;
    out.unshift(l);
  }
  return out;
}

/** Loads iter_bad with only `prog`; records the outcome and the log's error lines. */
function loadOnly(x: LibRun, prog: string): ReturnType<LibRun["open"]> | undefined {
  const obj = x.open("iter_bad");
  for (const p of obj.programs.values()) p.setAutoload(p.name === prog);
  const { ok } = x.attempt(`${prog}: load`, () => obj.load(x.t.be, { target: x.loadTargetOf() }));
  if (!ok) x.run.see(`${prog}: verifier`, errorLines(obj.program(prog).log));
  return ok ? obj : undefined;
}

export const ITER_SCENARIOS: readonly LibScenario[] = [
  {
    name: "iter/tcp: a listener, 8 clients and 8 accepted sockets all move to a BPF congestion control, then to its second version after BPF_LINK_UPDATE",
    spec: "net/ipv4/tcp_ipv4.c bpf_iter_tcp_batch, bpf_iter_tcp_seq_show; net/core/filter.c bpf_sk_setsockopt; net/ipv4/tcp_cong.c tcp_set_congestion_control",
    run(x) {
      x.run.see("netns default reno", x.t.be.writeFile(SYSCTL_CC, "reno").errno);
      const obj = x.loaded("iter_tcp");
      const link = x.attach("attach v1", obj, "fx_iter_v1");
      if (link === undefined) return;
      const c = connections(x, 8);
      const all = [c.listener, ...c.clients, ...c.accepted];
      const iter = x.attempt("attachIter(fx_move_cc)", () => obj.attachIter("fx_move_cc")).value;
      if (iter === undefined) return;
      x.run.see("link fdinfo target", /target_name:\t(\S+)/.exec(x.t.be.readFile(`/proc/self/fdinfo/${iter.fd}`).text)?.[1] ?? "none");
      walk(x, "first walk", iter.iterate(), c.roles);
      for (const n of COUNTERS) x.counter("after the first walk", obj, n);
      x.run.see("after the first walk: every socket's algorithm", all.map((fd) => x.t.be.getCongestion(fd).name));
      walk(x, "second walk, nothing to move", iter.iterate({ chunk: 64 }), c.roles);
      for (const n of COUNTERS) x.counter("after the second walk", obj, n);
      x.update("swap to v2", link, obj.map("fx_iter_v2"));
      walk(x, "third walk after the swap", iter.iterate(), c.roles);
      for (const n of COUNTERS) x.counter("after the third walk", obj, n);
      // bpf_iter_link_attach and bpf_iter_create refuse what they do not take; an iterator outlives its link.
      const be = x.t.be;
      const prog = obj.program("fx_move_cc").fd;
      x.run.see("LINK_CREATE with a target_fd", be.bpf(BPF_LINK_CREATE, { prog_fd: prog, attach_type: BPF_TRACE_ITER, target_fd: 5 }).errno);
      x.run.see("LINK_CREATE with flags", be.bpf(BPF_LINK_CREATE, { prog_fd: prog, attach_type: BPF_TRACE_ITER, flags: 1 }).errno);
      x.run.see("ITER_CREATE with flags", be.bpf(BPF_ITER_CREATE, { link_fd: iter.fd, flags: 1 }).errno);
      x.run.see("ITER_CREATE on a struct_ops link", be.bpf(BPF_ITER_CREATE, { link_fd: link.fd, flags: 0 }).errno);
      x.run.see("read(2) of a program fd", be.read(prog, 16).errno);
      const open = be.bpf(BPF_ITER_CREATE, { link_fd: iter.fd, flags: 0 });
      x.attempt("close iterator link", () => iter.close());
      const first = be.read(open.ret, 1 << 16);
      x.run.see("iterator fd read after its link closed", [first.errno, new TextDecoder().decode(first.bytes).trimEnd().split("\n").pop()]);
      x.run.see("then end of file", be.read(open.ret, 16).ret);
      be.close(open.ret);
      for (const fd of all) x.t.be.close(fd);
      x.t.settle();
      for (const n of COUNTERS) x.counter("after every socket closed", obj, n);
      x.run.see("netns default back", x.t.be.writeFile(SYSCTL_CC, "reno").errno);
    },
  },
  {
    name: "iter/tcp: programs the verifier refuses, with Linux's errno and log lines",
    spec: "kernel/bpf/btf.c btf_ctx_access; kernel/bpf/verifier.c check_mem_access, check_reg_type (PTR_TO_BTF_ID_OR_NULL)",
    run(x) {
      for (const p of ["fx_no_null", "fx_ctx_write", "fx_ctx_beyond", "fx_set_unchecked"]) loadOnly(x, p)?.close();
    },
  },
  {
    name: "iter/tcp: bpf_setsockopt in an iterator refuses cdg (ENOTSUPP), an unknown name (ENOENT), SO_LINGER and a 1-byte name (EINVAL)",
    spec: "net/core/filter.c sol_tcp_sockopt_congestion, sol_socket_sockopt",
    run(x) {
      const obj = loadOnly(x, "fx_opts");
      if (obj === undefined) return;
      const c = connections(x, 1);
      const iter = x.attempt("attachIter(fx_opts)", () => obj.attachIter("fx_opts")).value;
      if (iter !== undefined) x.run.see("per socket: state, cdg, fx_none, SO_LINGER, 1 byte", iter.iterate().trimEnd().split("\n").sort());
      for (const fd of [c.listener, ...c.clients, ...c.accepted]) x.t.be.close(fd);
      obj.close();
    },
  },
  {
    name: "iter/tcp: BPF_LINK_UPDATE swaps an iterator link's program for another of its target; a wrong BPF_F_REPLACE, another program type or a map is refused",
    spec: "kernel/bpf/syscall.c link_update; kernel/bpf/bpf_iter.c bpf_iter_link_replace",
    run(x) {
      const be = x.t.be;
      const moving = x.loaded("iter_tcp");
      const opts = loadOnly(x, "fx_opts");
      if (opts === undefined) return;
      const c = connections(x, 1);
      const iter = x.attempt("attachIter(fx_move_cc)", () => moving.attachIter("fx_move_cc")).value;
      if (iter === undefined) return;
      const move = moving.program("fx_move_cc");
      const print = opts.program("fx_opts");
      const update = (label: string, attr: Record<string, number>): void => {
        x.run.see(label, be.bpf(BPF_LINK_UPDATE, { link_fd: iter.fd, ...attr }).errno);
      };
      const progId = (): string => {
        const id = Number(/prog_id:\t(\d+)/.exec(be.readFile(`/proc/self/fdinfo/${iter.fd}`).text)?.[1] ?? -1);
        return id === move.info().id ? "fx_move_cc" : id === print.info().id ? "fx_opts" : `other (${id})`;
      };
      x.attempt("updateProgram(fx_opts)", () => iter.updateProgram(print));
      x.run.see("link's program after the update", progId());
      x.run.see("a walk runs fx_opts", iter.iterate().trimEnd().split("\n").sort());
      update("BPF_F_REPLACE naming fx_move_cc, which the link no longer holds", { new_prog_fd: move.fd, flags: BPF_F_REPLACE, old_prog_fd: move.fd });
      update("old_prog_fd without BPF_F_REPLACE", { new_prog_fd: move.fd, old_prog_fd: print.fd });
      update("flags other than BPF_F_REPLACE", { new_prog_fd: move.fd, flags: 2 });
      update("a struct_ops program", { new_prog_fd: moving.program("fx_iter_v1_init").fd });
      update("a map fd as the program", { new_prog_fd: moving.map("fx_iter_v1").fd });
      update("a closed fd as the program", { new_prog_fd: 9999 });
      x.run.see("link's program after the refusals", progId());
      update("back to fx_move_cc, BPF_F_REPLACE naming fx_opts", { new_prog_fd: move.fd, flags: BPF_F_REPLACE, old_prog_fd: print.fd });
      x.run.see("link's program at the end", progId());
      x.run.see("LINK_DETACH of an iterator link", be.bpf(BPF_LINK_DETACH, { link_fd: iter.fd }).errno);
      x.attempt("close iterator link", () => iter.close());
      for (const fd of [c.listener, ...c.clients, ...c.accepted]) be.close(fd);
      opts.close();
    },
  },
];
