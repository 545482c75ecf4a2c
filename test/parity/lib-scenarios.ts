/**
 * @fileoverview The loader's library-level scenarios, written once against
 * the user API and the clang-built fixtures (test/fixtures), for the parity
 * run on both kernels: KERNEL-SPEC.md §9 scenarios 1-7 and 22 as the kernel
 * selftests (bpf_tcp_ca.c) drive them through libbpf, the licence rule, and
 * the reno, cubic and dctcp fixtures registering and serving a socket.
 *
 * Which version of `tcp_ca_update` a socket runs is read from the update
 * fixture's `.bss` globals: `init` of ca_update_1 counts in ca1_cnt, of
 * ca_update_2 in ca2_cnt.
 */
import type { LibScenario } from "./lib-harness.js";
import { ITER_SCENARIOS } from "./iter-scenarios.js";

const UPDATE_MAPS = ["ca_update_1", "ca_update_2", "ca_wrong", "ca_no_link"] as const;

export const LIB_SCENARIOS: readonly LibScenario[] = [
  {
    name: "update_ca: updateMap to the same-name map; old sockets keep the old version, new ones run the new",
    spec: "§9.1, §9.24",
    run(x) {
      const obj = x.loaded("update");
      for (const n of UPDATE_MAPS) x.mapId("loaded", obj.map(n));
      for (const n of UPDATE_MAPS) x.state("loaded", obj.map(n));
      x.fdinfo("update.bss", obj.map(".bss").fd);
      x.fdinfo("ca_update_1 map", obj.map("ca_update_1").fd);
      x.progFdinfo("prog", obj, "ca_update_1_init");
      x.progFdinfo("prog", obj, "ca_update_ssthresh");
      const link = x.attach("attach", obj, "ca_update_1");
      if (link === undefined) return;
      x.linkMap("attached", link);
      x.state("attached", obj.map("ca_update_1"));
      x.lists("attached");
      x.fdinfo("link", link.fd);
      const old = x.sock("old socket", "tcp_ca_update");
      x.counter("old socket", obj, "ca1_cnt");
      x.counter("old socket", obj, "ca2_cnt");
      x.state("old socket", obj.map("ca_update_1"));

      x.update("swap", link, obj.map("ca_update_2"));
      x.linkMap("swapped", link);
      x.state("swapped", obj.map("ca_update_1"));
      x.state("swapped", obj.map("ca_update_2"));
      x.lists("swapped");
      x.fdinfo("link swapped", link.fd);
      const fresh = x.sock("new socket", "tcp_ca_update");
      x.counter("new socket", obj, "ca1_cnt");
      x.counter("new socket", obj, "ca2_cnt");
      x.getCc("old socket after swap", old);
      // The old socket asks for the name again: it now resolves to ca_update_2, so the CA is re-initialised.
      x.setCc("old socket re-asks", old, "tcp_ca_update");
      x.counter("old socket re-asks", obj, "ca1_cnt");
      x.counter("old socket re-asks", obj, "ca2_cnt");
      const second = x.sock("another new socket", "tcp_ca_update");
      x.counter("another new socket", obj, "ca2_cnt");
      x.closeSock("old", old);
      x.closeSock("new", fresh);
      x.closeSock("another", second);

      x.attempt("close link", () => link.close());
      x.t.settle();
      x.lists("link closed");
      x.state("link closed", obj.map("ca_update_2"));
      const gone = x.sock("after close", "tcp_ca_update");
      x.closeSock("after close", gone);
    },
  },
  {
    name: "update_wrong: updateMap to a map of another name fails EINVAL and the link keeps its map",
    spec: "§9.2",
    run(x) {
      const obj = x.loaded("update");
      for (const n of UPDATE_MAPS) x.mapId("loaded", obj.map(n));
      const link = x.attach("attach", obj, "ca_update_1");
      if (link === undefined) return;
      const s1 = x.sock("socket", "tcp_ca_update");
      x.counter("socket", obj, "ca1_cnt");
      x.update("wrong", link, obj.map("ca_wrong"));
      x.state("after wrong", obj.map("ca_wrong"));
      x.state("after wrong", obj.map("ca_update_1"));
      x.linkMap("after wrong", link);
      x.lists("after wrong");
      const s2 = x.sock("socket after wrong", "tcp_ca_update");
      x.counter("socket after wrong", obj, "ca1_cnt");
      x.counter("socket after wrong", obj, "ca2_cnt");
      x.closeSock("s1", s1);
      x.closeSock("s2", s2);
      x.attempt("close link", () => link.close());
      x.t.settle();
      x.lists("closed");
    },
  },
  {
    name: "mixed_links: a map without BPF_F_LINK gets a fake link and cannot replace a real one",
    spec: "§9.3",
    run(x) {
      const obj = x.loaded("update");
      for (const n of UPDATE_MAPS) x.mapId("loaded", obj.map(n));
      const fake = x.attach("attach no_link", obj, "ca_no_link");
      x.state("no_link attached", obj.map("ca_no_link"));
      x.lists("no_link attached");
      const link = x.attach("attach", obj, "ca_update_1");
      if (fake === undefined || link === undefined) return;
      x.run.see("fake link", fake.fake);
      const s = x.sock("socket", "tcp_ca_update");
      x.counter("socket", obj, "ca1_cnt");
      const nl = x.sock("no_link socket", "tcp_ca_no_link");
      x.update("to no_link", link, obj.map("ca_no_link"));
      x.linkMap("after no_link", link);
      x.update("fake to ca_update_2", fake, obj.map("ca_update_2"));
      x.attempt("fake detach", () => fake.detach());
      x.closeSock("socket", s);
      x.closeSock("no_link socket", nl);
      x.attempt("close link", () => link.close());
      x.attempt("close fake link", () => fake.close());
      x.t.settle();
      x.state("fake closed", obj.map("ca_no_link"));
      x.lists("closed");
    },
  },
  {
    name: "multi_links: a READY map attaches again after its link is gone",
    spec: "§9.4",
    run(x) {
      const obj = x.loaded("update");
      x.mapId("loaded", obj.map("ca_update_1"));
      const first = x.attach("first", obj, "ca_update_1");
      if (first === undefined) return;
      x.attempt("close first", () => first.close());
      x.t.settle();
      x.state("first closed", obj.map("ca_update_1"));
      x.lists("first closed");
      const second = x.attach("second", obj, "ca_update_1");
      if (second === undefined) return;
      x.linkMap("second", second);
      x.lists("second");
      x.fdinfo("second link", second.fd);
      x.attempt("close second", () => second.close());
    },
  },
  {
    name: "link_replace: BPF_F_REPLACE with the wrong old map is EPERM, with the right one it swaps",
    spec: "§9.5",
    run(x) {
      const obj = x.loaded("update");
      const m1 = obj.map("ca_update_1"), m2 = obj.map("ca_update_2");
      x.mapId("loaded", m1);
      x.mapId("loaded", m2);
      const first = x.attach("first", obj, "ca_update_1");
      if (first === undefined) return;
      x.attempt("close first", () => first.close());
      x.t.settle();
      const link = x.attach("attach 2", obj, "ca_update_2");
      if (link === undefined) return;
      const s2 = x.sock("on 2", "tcp_ca_update");
      x.counter("on 2", obj, "ca2_cnt");
      x.update("replace, wrong old", link, m1, m1);
      x.linkMap("after EPERM", link);
      x.update("replace, right old", link, m1, m2);
      x.linkMap("replaced", link);
      const s1 = x.sock("on 1", "tcp_ca_update");
      x.counter("on 1", obj, "ca1_cnt");
      x.counter("on 1", obj, "ca2_cnt");
      x.closeSock("on 2", s2);
      x.closeSock("on 1", s1);
      x.attempt("close link", () => link.close());
    },
  },
  {
    name: "detach through the library: the link detaches, poll reports EPOLLHUP, updateMap is ENOLINK",
    spec: "§9.13, §9.22",
    run(x) {
      const obj = x.loaded("update");
      x.mapId("loaded", obj.map("ca_update_1"));
      const link = x.attach("attach", obj, "ca_update_1");
      if (link === undefined) return;
      const s = x.sock("socket", "tcp_ca_update");
      x.attempt("detach", () => link.detach());
      x.lists("detached");
      x.run.see("poll revents", x.t.be.poll(link.fd).revents);
      x.linkMap("detached", link);
      x.state("detached", obj.map("ca_update_1"));
      x.fdinfo("detached link", link.fd);
      x.getCc("socket after detach", s);
      x.update("after detach", link, obj.map("ca_update_2"));
      x.attempt("detach again", () => link.detach());
      x.closeSock("socket", s);
      x.attempt("close link", () => link.close());
    },
  },
  {
    name: "incompl_cong_ops: the object loads, attach fails EINVAL and the map stays INIT",
    spec: "§9.6",
    run(x) {
      const obj = x.loaded("incompl");
      x.mapId("loaded", obj.map("fx_incompl"));
      x.attach("attach", obj, "fx_incompl");
      x.state("after attach", obj.map("fx_incompl"));
      x.lists("after attach");
    },
  },
  {
    name: "unsupp_cong_op: a program for get_info fails the load with ENOTSUPP (524)",
    spec: "§9.7",
    run(x) {
      const obj = x.open("unsupp");
      x.load("unsupp", obj);
      x.mapId("after load", obj.map("fx_unsupp"));
      x.run.see("loaded", obj.isLoaded);
    },
  },
  {
    name: "invalid_license: a non-GPL object fails the load with EINVAL",
    spec: "§9.9",
    run(x) {
      const obj = x.open("nogpl");
      x.load("nogpl", obj);
      x.mapId("after load", obj.map("fx_nogpl"));
      x.run.see("loaded", obj.isLoaded);
    },
  },
  ...(["reno", "cubic", "dctcp", "dctcp_exact"] as const).map((name): LibScenario => ({
    name: `${name}: the fixture registers fx_${name} through a link and a socket selects it`,
    spec: "§9.1, §7",
    run(x) {
      const obj = x.loaded(name);
      const map = `fx_${name}`;
      x.mapId("loaded", obj.map(map));
      if (name === "reno") x.mapId("loaded", obj.map("fx_reno_opt"));
      for (const m of obj.maps.values()) if (m.spec.kind !== "struct_ops" && m.fd >= 0) x.fdinfo(`${m.name} map`, m.fd);
      for (const p of obj.programs.values()) if (p.fd >= 0) x.progFdinfo("prog", obj, p.name);
      const link = x.attach("attach", obj, map);
      if (link === undefined) return;
      x.state("attached", obj.map(map));
      x.lists("attached");
      x.fdinfo("link", link.fd);
      const s = x.sock("socket", map);
      x.state("socket", obj.map(map));
      x.closeSock("socket", s);
      x.attempt("close link", () => link.close());
      x.t.settle();
      x.lists("closed");
    },
  })),
  {
    name: "skstg: an sk_storage map made with BPF_F_NO_PREALLOC (named from vmlinux.h) keeps what init stored per socket; user space reads, updates and deletes it by socket fd",
    spec: "net/core/bpf_sk_storage.c bpf_sk_storage_get, bpf_fd_sk_storage_lookup_elem, bpf_fd_sk_storage_update_elem, bpf_fd_sk_storage_delete_elem",
    run(x) {
      const obj = x.loaded("skstg");
      const stg = obj.map("fx_sk_stg");
      x.fdinfo("fx_sk_stg map", stg.fd);
      const link = x.attach("attach", obj, "fx_skstg");
      if (link === undefined) return;
      const s = x.sock("socket", "fx_skstg");
      const key = new Uint8Array(new Int32Array([s]).buffer);
      const read = (label: string): void => {
        const r = x.attempt(label, () => stg.lookup(key));
        if (r.ok) x.run.see(`${label}: value`, `0x${new DataView(r.value.buffer).getUint32(0, true).toString(16)}`);
      };
      read("lookup by the socket's fd");
      x.attempt("update by the socket's fd, BPF_EXIST", () => stg.update(new Uint8Array([7, 0, 0, 0]), key, 2));
      read("lookup after the update");
      x.attempt("update by the socket's fd, BPF_NOEXIST", () => stg.update(new Uint8Array([8, 0, 0, 0]), key, 1));
      x.attempt("delete by the socket's fd", () => stg.delete(key));
      read("lookup after the delete");
      x.attempt("update by the socket's fd, BPF_NOEXIST", () => stg.update(new Uint8Array([9, 0, 0, 0]), key, 1));
      read("lookup after the re-create");
      x.closeSock("socket", s);
      x.attempt("close link", () => link.close());
      x.t.settle();
      x.lists("closed");
    },
  },
  ...ITER_SCENARIOS,
];
