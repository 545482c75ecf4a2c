/**
 * @fileoverview The kernel scenarios of KERNEL-SPEC.md, written once against
 * the Backend interface (through {@link Ca}) and run on both the emulated
 * kernel and Linux: §9.1–9.7 and §9.9 (the tcp_ca selftests), §9.13 and
 * §9.16–9.24 (the errno and lifecycle rules of §4), and socket continuity
 * across update and detach (§7.5, §9.24). Each scenario records what every
 * step returned; the test compares the two recordings.
 *
 * One scenario is emulated-kernel only: LINK_UPDATE to the map the link
 * already holds (§4.7, §11.1). Linux's TCP update callback would re-insert
 * an entry that is already on tcp_cong_list, corrupting the kernel's list.
 */
import {
  BPF_MAP_GET_NEXT_KEY, BPF_MAP_TYPE_SK_STORAGE,
  BPF_LINK_UPDATE, BPF_MAP_CREATE, BPF_MAP_DELETE_ELEM, BPF_MAP_FREEZE, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_UPDATE_ELEM,
} from "../../src/uapi/bpf-enums.js";
import { BPF_ANY, BPF_EXIST, BPF_F_LINK, BPF_F_LOCK, BPF_F_NO_PREALLOC, BPF_F_RDONLY, BPF_F_VTYPE_BTF_OBJ_FD, BPF_NOEXIST } from "../../src/uapi/bpf-flags.js";
import { BPF_FUNC_map_lookup_elem, BPF_FUNC_setsockopt } from "../../src/uapi/bpf-helpers.js";
import {
  BPF_ADD, BPF_DW, BPF_JEQ, BPF_W, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5, BPF_REG_6, BPF_REG_7,
} from "../../src/uapi/insn.js";
import {
  assemble, BPF_ALU64_IMM, BPF_EMIT_CALL, BPF_EXIT_INSN, BPF_JMP_IMM, BPF_LD_MAP_FD, BPF_LD_MAP_VALUE, BPF_LDX_MEM, BPF_MOV64_IMM, BPF_MOV64_REG,
  BPF_ST_MEM, BPF_STX_MEM,
} from "../../src/asm/index.js";
import type { AsmItem } from "../../src/asm/index.js";
import { SOL_TCP, TCP_CONGESTION } from "../../src/net/tcp-cc/helpers.js";
import { KMALLOC_MAX_SIZE } from "../../src/kernel/map/core.js";
import { HTAB_ELEM_SIZE } from "../../src/kernel/map/hash.js";
import type { Ca } from "./ca.js";

/** One scenario. */
export interface Scenario {
  readonly name: string;
  /** KERNEL-SPEC.md sections it checks. */
  readonly spec: string;
  /** When set, the scenario runs only on the emulated kernel, for this reason. */
  readonly modelOnly?: string;
  run(ca: Ca): void;
}

const NO = "tcp_ca_no_link";
const UPD = "tcp_ca_update";

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "update_ca: LINK_UPDATE swaps the CA under one name; old sockets keep the old programs, new ones get the new",
    spec: "§9.1, §9.24, §7.5",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      ca.lookup("map1 INIT", m1);
      run.fdinfo("map1", m1);
      ca.updateCa("update map1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      ca.lookup("map1 READY", m1);
      const link = ca.linkCreate("link map1", m1);
      ca.lookup("map1 linked", m1);
      run.available("linked");
      run.allowed("linked");
      ca.linkInfo("link", link);
      run.fdinfo("link", link);
      run.fdinfo("map1 linked", m1);
      const old = ca.sock("old socket", UPD);
      ca.getCc("old socket", old);
      ca.counter("after old socket", cnt, 0);
      ca.lookup("map1 link+socket", m1);
      ca.updateCa("update map2", m2, UPD, ca.loadCa("ca2", cnt, 1));
      ca.linkUpdate("link → map2", link, m2);
      ca.linkInfo("link after update", link);
      run.fdinfo("link after update", link);
      ca.lookup("map1 after update", m1);
      ca.lookup("map2 after update", m2);
      run.available("after update");
      const fresh = ca.sock("new socket", UPD);
      ca.counter("after new socket", cnt, 0);
      ca.counter("after new socket", cnt, 1);
      // Which program each socket runs: switching away calls the current ops' release.
      ca.setCc("old socket leaves", old, "cubic");
      ca.counter("old socket released", cnt, 4);
      ca.counter("old socket released", cnt, 5);
      ca.lookup("map1 after old socket left", m1);
      ca.linkDetach("detach", link);
      run.available("after detach");
      ca.sock("socket after detach", UPD);
      ca.getCc("new socket after detach", fresh);
      ca.lookup("map2 after detach", m2);
      ca.close("new socket", fresh);
      ca.counter("new socket closed", cnt, 5);
      ca.lookup("map2 after new socket closed", m2);
      ca.close("link", link);
      run.available("end");
    },
  },
  {
    name: "update_wrong: LINK_UPDATE to a map with another CA name fails EINVAL; the link stays",
    spec: "§9.2",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const mw = ca.createCaMap("create wrong", "ca_wrong", true);
      ca.updateCa("update map1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      const link = ca.linkCreate("link map1", m1);
      ca.close("socket 1", ca.sock("socket 1", UPD));
      ca.counter("socket 1", cnt, 0);
      ca.lookup("wrong INIT", mw);
      ca.updateCa("update wrong", mw, "tcp_ca_wrong", ca.loadCa("wrong", cnt, null));
      ca.lookup("wrong READY", mw);
      ca.linkUpdate("link → wrong", link, mw);
      ca.linkInfo("link", link);
      run.fdinfo("link", link);
      ca.lookup("map1", m1);
      ca.lookup("wrong", mw);
      run.available("after failed update");
      ca.sock("socket 2", UPD);
      ca.counter("socket 2", cnt, 0);
    },
  },
  {
    name: "mixed_links: a non-link INUSE map cannot be the new map of LINK_UPDATE",
    spec: "§9.3",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const nl = ca.createCaMap("create no_link", "ca_no_link", false);
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const noLinkProgs = ca.loadCa("no_link", cnt, null);
      ca.updateCa("update no_link", nl, NO, noLinkProgs);
      ca.lookup("no_link INUSE", nl);
      run.available("no_link registered");
      run.fdinfo("no_link map", nl);
      ca.updateCa("update map1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      const link = ca.linkCreate("link map1", m1);
      run.available("both registered");
      ca.close("socket", ca.sock("socket", UPD));
      ca.counter("socket", cnt, 0);
      ca.updateCa("update no_link again", nl, NO, noLinkProgs);
      ca.linkUpdate("link → no_link", link, nl);
      ca.linkInfo("link", link);
      run.fdinfo("link", link);
      ca.lookup("map1", m1);
      ca.lookup("no_link", nl);
      ca.close("link", link);
      run.available("link closed");
      ca.lookup("map1 unlinked", m1);
      ca.deleteCa("delete no_link", nl);
      ca.lookup("no_link TOBEFREE", nl);
      run.available("end");
    },
  },
  {
    name: "multi_links: a READY map links again after its first link is gone",
    spec: "§9.4",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const progs = ca.loadCa("ca1", cnt, 0);
      ca.updateCa("update", m1, UPD, progs);
      const l1 = ca.linkCreate("link 1", m1);
      ca.lookup("linked", m1);
      ca.close("link 1", l1);
      ca.lookup("unlinked", m1);
      run.available("unlinked");
      ca.updateCa("update again (libbpf ignores EBUSY)", m1, UPD, progs);
      const l2 = ca.linkCreate("link 2", m1);
      ca.linkInfo("link 2", l2);
      run.fdinfo("link 2", l2);
      ca.lookup("relinked", m1);
      run.available("relinked");
      ca.close("link 2", l2);
      run.available("end");
    },
  },
  {
    name: "link_replace: BPF_F_REPLACE with the wrong old map is EPERM, with the right one swaps",
    spec: "§9.5",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      ca.close("first link", ca.linkCreate("first link", m1));
      ca.updateCa("update 2", m2, UPD, ca.loadCa("ca2", cnt, 1));
      const l = ca.linkCreate("link map2", m2);
      run.fdinfo("link", l);
      ca.linkUpdate("replace old=map1 (wrong)", l, m1, m1);
      ca.linkInfo("link", l);
      ca.lookup("map1", m1);
      ca.lookup("map2", m2);
      ca.linkUpdate("replace old=map2", l, m1, m2);
      ca.linkInfo("link swapped", l);
      run.fdinfo("link swapped", l);
      ca.lookup("map1 swapped", m1);
      ca.lookup("map2 swapped", m2);
      run.available("swapped");
      ca.close("link", l);
      run.available("end");
    },
  },
  {
    name: "incompl_cong_ops: a map lacking cong_avoid fails validation, stays INIT, and can be retried",
    spec: "§9.6, §4.2",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m = ca.createCaMap("create", "ca_incompl", false);
      const progs = ca.loadCa("incompl", cnt, null);
      const { cong_avoid, ...incomplete } = progs;
      ca.updateCa("update without cong_avoid", m, "tcp_ca_incompl", incomplete);
      ca.lookup("after failed update", m);
      run.available("after failed update");
      ca.updateCa("retry", m, "tcp_ca_incompl", { ...incomplete, cong_avoid: cong_avoid ?? 0 });
      ca.lookup("after retry", m);
      run.available("after retry");
      ca.linkCreate("link a non-link map", m);
      ca.deleteCa("delete", m);
      run.available("end");
    },
  },
  {
    name: "unsupp_cong_op and invalid_license: program loads the verifier rejects; program fdinfo",
    spec: "§9.7, §9.9",
    run(ca) {
      const { run } = ca;
      const r = ca.loadProg("get_info", "get_info", ca.kfuncInsns("tcp_reno_undo_cwnd", 1));
      run.see("get_info: log names the unsupported member", /unsupported member get_info of struct tcp_congestion_ops/.test(r.log));
      const k = ca.loadProg("MIT licence, kfunc call", "ssthresh", ca.kfuncInsns("tcp_reno_ssthresh", 1), "MIT");
      run.see("MIT licence, kfunc call: log", /cannot call kernel function from non-GPL compatible program/.test(k.log));
      const ret2 = assemble([BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()]);
      const c = ca.loadProg("MIT licence, no kfunc", "ssthresh", ret2, "MIT");
      run.see("MIT licence, no kfunc: log names the struct_ops GPL rule", /struct ops programs must have a GPL compatible license/.test(c.log));
      const insns = ca.kfuncInsns("tcp_reno_ssthresh", 1);
      const d = ca.loadProg("Dual MIT/GPL licence", "ssthresh", insns, "Dual MIT/GPL");
      if (d.errno === 0) run.fdinfo("kfunc prog", d.ret, insns);
      const cnt = ca.counters();
      run.fdinfo("counters map", cnt);
      const inc = ca.incCounterInsns(cnt, 3);
      const p = ca.loadProg("init with a map", "init", inc);
      if (p.errno === 0) run.fdinfo("init prog", p.ret, inc);
    },
  },
  {
    name: "MAP_CREATE errors for struct_ops maps",
    spec: "§9.16, §4.1",
    run(ca) {
      const { run } = ca;
      const v = ca.btf.ops;
      const create = (label: string, over: Record<string, number | string>): void => {
        const r = ca.createRaw(over);
        run.see(`MAP_CREATE ${label}`, r.errno);
        if (r.errno === 0) ca.be.close(r.ret);
      };
      create("key_size 8", { key_size: 8 });
      create("max_entries 2", { max_entries: 2 });
      create("value type id 0", { btf_vmlinux_value_type_id: 0 });
      create("BPF_F_LINK|BPF_F_RDONLY", { map_flags: BPF_F_LINK | BPF_F_RDONLY });
      create("value_size + 8", { value_size: v.valueSize + 8 });
      create("value type = tcp_congestion_ops itself", { btf_vmlinux_value_type_id: v.typeId });
      create("bad map name", { map_name: "bad-name" });
      create("btf_fd 0 is not BTF", { btf_fd: 0 });
      create("btf_fd 999 not open", { btf_fd: 999 });
      create("key type id set", { btf_key_type_id: 1 });
      // §4.1 step 6: with BPF_F_VTYPE_BTF_OBJ_FD the value type's BTF is the module BTF behind value_type_btf_obj_fd.
      const vtype = (label: string, fd: number): void => create(`BPF_F_VTYPE_BTF_OBJ_FD, ${label}`, { map_flags: BPF_F_LINK | BPF_F_VTYPE_BTF_OBJ_FD, value_type_btf_obj_fd: fd });
      vtype("fd 0 is not BTF", 0);
      vtype("fd 999 not open", 999);
      vtype("a user BTF, not a module's", ca.btfFd);
      create("ok", {});
    },
  },
  {
    name: "UPDATE_ELEM errors: flags, key, padding, common, second update, owner quirk",
    spec: "§9.17, §4.2",
    run(ca) {
      const cnt = ca.counters();
      const m = ca.createCaMap("create", "ca_update_1", true);
      const progs = ca.loadCa("ca1", cnt, 0);
      const value = () => ca.value(UPD, progs);
      const d = ca.btf.ops.dataOffset;
      ca.updateRaw("flags 2", m, value(), undefined, 2);
      ca.lookup("after flags", m);
      ca.updateRaw("key 1", m, value(), new Uint8Array([1, 0, 0, 0]));
      const pad = value();
      pad[20] = 1;
      ca.updateRaw("hole between common and data", m, pad);
      const tail = value();
      tail[d + 170] = 1;
      ca.updateRaw("tail padding of tcp_congestion_ops", m, tail);
      const st = value();
      st[4] = 1;
      ca.updateRaw("common.state set", m, st);
      const list = value();
      list[d + 112] = 1;
      ca.updateRaw("list set", m, list);
      const fl = value();
      fl[d + 132] = 0x80;
      ca.updateRaw("flags outside TCP_CONG_MASK", m, fl);
      ca.updateRaw("empty name", m, ca.value("", progs));
      ca.updateRaw("bad prog fd in ssthresh", m, ca.value(UPD, { ...progs, ssthresh: 999 }));
      ca.updateRaw("prog of another member in ssthresh", m, ca.value(UPD, { ...progs, ssthresh: progs.undo_cwnd ?? 0 }));
      ca.updateRaw("map fd as program", m, ca.value(UPD, { ...progs, ssthresh: cnt }));
      ca.lookup("still INIT", m);
      ca.updateRaw("ok", m, value());
      ca.lookup("READY", m);
      ca.updateRaw("second update", m, value());
      const nl = ca.createCaMap("create owner", "ca_owner", false);
      const owner = ca.value("tcp_ca_owner", ca.loadCa("owner", cnt, null));
      owner[d + 104] = 1;
      ca.updateRaw("owner set", nl, owner);
      ca.lookup("owner map", nl);
      ca.run.available("after owner update");
      ca.deleteCa("delete owner map", nl);
    },
  },
  {
    name: "LOOKUP_ELEM states and refcnt; DELETE_ELEM rules",
    spec: "§9.18, §9.19, §5",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const lm = ca.createCaMap("create link map", "ca_update_1", true);
      const nl = ca.createCaMap("create no_link", "ca_no_link", false);
      ca.lookup("key 1", lm, new Uint8Array([1, 0, 0, 0]));
      ca.lookup("INIT", lm);
      ca.deleteCa("link map INIT", lm);
      ca.deleteCa("no_link INIT", nl);
      ca.updateCa("update link map", lm, UPD, ca.loadCa("ca1", cnt, 0));
      ca.lookup("READY", lm);
      const l = ca.linkCreate("link", lm);
      ca.lookup("READY+link", lm);
      ca.deleteCa("link map with link", lm);
      ca.deleteCa("link map, other key", lm);
      ca.updateCa("update no_link", nl, NO, ca.loadCa("no_link", cnt, null));
      ca.lookup("INUSE", nl);
      const s = ca.sock("socket", NO);
      ca.lookup("INUSE+socket", nl);
      ca.deleteCa("delete no_link", nl);
      ca.lookup("TOBEFREE+socket", nl);
      run.available("after delete");
      ca.getCc("socket keeps the deleted CA", s);
      ca.sock("new socket", NO);
      ca.deleteCa("delete again", nl);
      ca.close("socket", s);
      ca.lookup("TOBEFREE", nl);
      ca.close("link", l);
      const big = new Uint8Array(ca.btf.ops.valueSize);
      run.see("LOOKUP_ELEM flags 1", ca.be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: lm, key: new Uint8Array(4), value: big, flags: 1 }).errno);
      run.see("LOOKUP_ELEM on a closed fd", ca.be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: 999, key: new Uint8Array(4), value: big }).errno);
    },
  },
  {
    name: "LINK_CREATE errors",
    spec: "§9.20, §4.6",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      const nl = ca.createCaMap("create no_link", "ca_no_link", false);
      ca.linkCreate("fd 999", 999);
      ca.linkCreate("BTF fd", ca.btfFd);
      ca.linkCreate("array map", cnt);
      ca.linkCreate("link map INIT", m1);
      ca.updateCa("update no_link", nl, NO, ca.loadCa("no_link", cnt, null));
      ca.linkCreate("non-link map", nl);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      ca.updateCa("update 2", m2, UPD, ca.loadCa("ca2", cnt, 1));
      const l1 = ca.linkCreate("link 1", m1);
      ca.linkInfo("link 1", l1);
      ca.linkCreate("second link, same map", m1);
      ca.linkCreate("name taken", m2);
      ca.lookup("map1", m1);
      ca.lookup("map2", m2);
      ca.close("link 1", l1);
      const l2 = ca.linkCreate("link 2", m2);
      ca.linkInfo("link 2", l2);
      run.available("end");
      ca.deleteCa("delete no_link", nl);
    },
  },
  {
    name: "LINK_UPDATE errors",
    spec: "§9.21, §4.7",
    run(ca) {
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      const l = ca.linkCreate("link", m1);
      ca.linkUpdateRaw("flags 1", { link_fd: l, new_map_fd: m1, flags: 1 });
      ca.linkUpdateRaw("old_map_fd without REPLACE", { link_fd: l, new_map_fd: m1, old_map_fd: m1 });
      ca.linkUpdate("link fd 999", 999, m1);
      ca.linkUpdate("map fd as link", m1, m1);
      ca.linkUpdate("new map INIT", l, m2);
      ca.linkUpdate("new map is an array", l, cnt);
      ca.linkUpdate("new map fd 999", l, 999);
      ca.run.see("LINK_UPDATE REPLACE old_map_fd 999", ca.be.bpf(BPF_LINK_UPDATE, { link_fd: l, new_map_fd: m1, flags: 4, old_map_fd: 999 }).errno);
      ca.lookup("map1", m1);
      ca.linkInfo("link", l);
    },
  },
  {
    name: "LINK_DETACH: twice 0; fdinfo and info drop the map; EPOLLHUP; LINK_UPDATE ENOLINK; close does not unregister again",
    spec: "§9.13, §9.22, §4.8, §4.12",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      ca.updateCa("update 2", m2, UPD, ca.loadCa("ca2", cnt, 1));
      const l = ca.linkCreate("link", m1);
      ca.poll("attached", l);
      run.fdinfo("attached", l);
      const s = ca.sock("socket", UPD);
      ca.linkDetach("detach", l);
      ca.poll("detached", l);
      ca.linkDetach("detach again", l);
      run.fdinfo("detached", l);
      ca.linkInfo("detached", l);
      run.available("detached");
      ca.lookup("map1 detached", m1);
      ca.linkUpdate("update detached", l, m2);
      ca.lookup("map2", m2);
      ca.getCc("socket after detach", s);
      const l2 = ca.linkCreate("link map2", m2);
      ca.close("detached link", l);
      run.available("after closing the detached link");
      ca.lookup("map2 linked", m2);
      ca.close("socket", s);
      ca.counter("socket released", cnt, 4);
      ca.close("link 2", l2);
    },
  },
  {
    name: "lifetime: last link close unregisters; map fd close alone changes nothing; INUSE survives fd close",
    spec: "§9.23, §4.9, §4.10",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const nl = ca.createCaMap("create no_link", "ca_no_link", false);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      ca.updateCa("update no_link", nl, NO, ca.loadCa("no_link", cnt, null));
      const l = ca.linkCreate("link", m1);
      ca.linkInfo("link", l);
      ca.close("map1 fd", m1);
      ca.run.t.settle();
      ca.linkInfo("link after map fd close", l);
      run.fdinfo("link after map fd close", l);
      run.available("both");
      ca.close("link", l);
      ca.run.t.settle();
      run.available("link closed");
      ca.close("no_link fd", nl);
      ca.run.t.settle();
      run.available("no_link fd closed");
    },
  },
  {
    name: "netns default CC: a non-restricted BPF CA as default (allowed list); update and unregister do not retarget it",
    spec: "§7.4, §11.7",
    run(ca) {
      const { run } = ca;
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      const m2 = ca.createCaMap("create 2", "ca_update_2", true);
      // TCP_CONG_NON_RESTRICTED: only such a CA may be the default of a netns other than init_net.
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0), { flags: 1 });
      ca.updateCa("update 2", m2, UPD, ca.loadCa("ca2", cnt, 1), { flags: 1 });
      ca.lookup("map1 READY", m1);
      const l = ca.linkCreate("link", m1);
      run.allowed("registered");
      const path = "/proc/sys/net/ipv4/tcp_congestion_control";
      run.see("set default", ca.be.writeFile(path, UPD).errno);
      run.see("default", ca.be.readFile(path).text.trim());
      ca.lookup("map1 as default", m1);
      const s1 = ca.be.socket();
      ca.getCc("default socket", s1.ret);
      ca.counter("default socket", cnt, 0);
      ca.linkUpdate("update", l, m2);
      ca.lookup("map1 after update", m1);
      const s2 = ca.be.socket();
      ca.getCc("default socket after update", s2.ret);
      ca.counter("default socket after update", cnt, 0);
      ca.counter("default socket after update", cnt, 1);
      ca.close("link", l);
      run.available("unregistered");
      run.see("default after unregister", ca.be.readFile(path).text.trim());
      const s3 = ca.be.socket();
      ca.getCc("default socket after unregister", s3.ret);
      ca.counter("default socket after unregister", cnt, 0);
      run.see("set default reno", ca.be.writeFile(path, "reno").errno);
      ca.lookup("map1 after default reset", m1);
      for (const s of [s1, s2, s3]) ca.be.close(s.ret);
      ca.lookup("map1 after sockets closed", m1);
    },
  },
  {
    name: "LINK_UPDATE to the map the link already holds",
    spec: "§4.7, §11.1",
    modelOnly: "on Linux tcp_update_congestion_control would list_add an entry already on tcp_cong_list and corrupt the kernel's list",
    run(ca) {
      const cnt = ca.counters();
      const m1 = ca.createCaMap("create 1", "ca_update_1", true);
      ca.updateCa("update 1", m1, UPD, ca.loadCa("ca1", cnt, 0));
      const l = ca.linkCreate("link", m1);
      ca.linkUpdate("same map", l, m1);
      ca.lookup("map1", m1);
      ca.run.available("after same-map update");
      ca.close("link", l);
    },
  },
  {
    name: "BPF_PROG_LOAD with ld_imm64 of a struct_ops map: EINVAL, \"bpf_struct_ops map cannot be used in prog\" (verifier.c check_map_prog_compatibility)",
    spec: "§9.7 (verifier rejections at load)",
    run(ca) {
      const { run } = ca;
      const m = ca.createCaMap("create", "ca_in_prog", true);
      for (const [what, ld] of [["map fd", BPF_LD_MAP_FD(BPF_REG_1, m)], ["map value", BPF_LD_MAP_VALUE(BPF_REG_1, m, 0)]] as const) {
        const r = ca.loadProg(`ld_imm64 ${what}`, "init", assemble([ld, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]));
        run.see(`ld_imm64 ${what}: log`, /bpf_struct_ops map cannot be used in prog/.test(r.log));
        if (r.errno === 0) ca.close(`ld_imm64 ${what}: prog`, r.ret);
      }
      // An array map in the same place loads: the refusal is about the map type.
      const cnt = ca.counters();
      const ok = ca.loadProg("ld_imm64 array map", "init", assemble([BPF_LD_MAP_FD(BPF_REG_1, cnt), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]));
      if (ok.errno === 0) ca.close("array prog", ok.ret);
      ca.close("struct_ops map", m);
    },
  },
  {
    name: "BPF_PROG_LOAD with callx (BPF_JMP|BPF_CALL|BPF_X, 0x8d): EINVAL, the verifier's unknown-opcode log (verifier.c resolve_pseudo_ldimm64, bpf_opcode_in_insntable)",
    spec: "§9.7 (verifier rejections at load)",
    run(ca) {
      const { run } = ca;
      const callx = assemble([BPF_MOV64_IMM(BPF_REG_2, 1), { code: 0x8d, dst_reg: BPF_REG_2, src_reg: 0, off: 0, imm: 0 }, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
      const r = ca.loadProg("callx", "init", callx);
      run.see("callx: log names the opcode", /^unknown opcode 8d$/m.test(r.log));
      if (r.errno === 0) ca.close("callx prog", r.ret);
    },
  },
  {
    name: "sk_storage from user space: lookup, update and delete keyed by a socket fd; BPF_NOEXIST/BPF_EXIST/BPF_F_LOCK; non-socket fds (net/core/bpf_sk_storage.c bpf_fd_sk_storage_*)",
    spec: "bpf_fd_sk_storage_lookup_elem, bpf_fd_sk_storage_update_elem, bpf_fd_sk_storage_delete_elem, bpf_local_storage_update",
    run(ca) {
      const { run, be } = ca;
      const attrs = { map_type: BPF_MAP_TYPE_SK_STORAGE, key_size: 4, value_size: 4, max_entries: 0, btf_fd: ca.btfFd, btf_key_type_id: 1, btf_value_type_id: 1, map_name: "sk_stg" };
      const prealloc = be.bpf(BPF_MAP_CREATE, attrs);
      run.see("MAP_CREATE without BPF_F_NO_PREALLOC", prealloc.errno);
      if (prealloc.errno === 0) ca.close("prealloc map", prealloc.ret);
      const mr = be.bpf(BPF_MAP_CREATE, { ...attrs, map_flags: BPF_F_NO_PREALLOC });
      run.see("MAP_CREATE with BPF_F_NO_PREALLOC", mr.errno);
      const m = mr.ret;
      const s = ca.sock("storage owner", "reno");
      const fdKey = (fd: number): Uint8Array => new Uint8Array(new Int32Array([fd]).buffer);
      const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);
      const lookup = (label: string, fd: number, flags = 0): void => {
        const v = new Uint8Array(4);
        const r = be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: m, key: fdKey(fd), value: v, flags });
        run.see(`LOOKUP ${label}`, r.errno === 0 ? `value ${new Uint32Array(v.buffer)[0]}` : `errno ${r.errno}`);
      };
      const update = (label: string, fd: number, value: number, flags: number): void =>
        void run.see(`UPDATE ${label}`, be.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key: fdKey(fd), value: u32(value), flags }).errno);
      const del = (label: string, fd: number): void => void run.see(`DELETE ${label}`, be.bpf(BPF_MAP_DELETE_ELEM, { map_fd: m, key: fdKey(fd) }).errno);
      lookup("before any value", s);
      update("BPF_EXIST before any value", s, 1, BPF_EXIST);
      update("BPF_NOEXIST", s, 7, BPF_NOEXIST);
      lookup("after BPF_NOEXIST", s);
      update("BPF_NOEXIST again", s, 8, BPF_NOEXIST);
      update("BPF_EXIST", s, 9, BPF_EXIST);
      update("BPF_ANY", s, 10, BPF_ANY);
      lookup("after BPF_EXIST and BPF_ANY", s);
      update("flags 3", s, 1, 3);
      update("BPF_F_LOCK (no bpf_spin_lock in the value)", s, 1, BPF_F_LOCK);
      lookup("BPF_F_LOCK", s, BPF_F_LOCK);
      update("key: the map fd (not a socket)", m, 1, BPF_ANY);
      update("key: a closed fd", 9999, 1, BPF_ANY);
      update("key: fd -1", -1, 1, BPF_ANY);
      update("key: a closed fd, flags 3", 9999, 1, 3);
      lookup("key: the map fd", m);
      lookup("key: a closed fd", 9999);
      del("key: the map fd", m);
      del("key: a closed fd", 9999);
      const nk = new Uint8Array(4);
      run.see("GET_NEXT_KEY", be.bpf(BPF_MAP_GET_NEXT_KEY, { map_fd: m, key: fdKey(s), next_key: nk }).errno);
      del("the value", s);
      del("again", s);
      lookup("after delete", s);
      update("a value the socket's close frees", s, 11, BPF_ANY);
      ca.close("storage owner", s);
      ca.close("sk_storage map", m);
    },
  },
  {
    name: "BPF_MAP_FREEZE: writes from the syscall side fail EPERM afterwards, reads work, a second freeze is EBUSY",
    spec: "§4 (map_get_sys_perms)",
    run(ca) {
      const { be, run } = ca;
      const key = new Uint8Array(4);
      const value = new Uint8Array(8).fill(7);
      for (const [kind, type] of [["array", BPF_MAP_TYPE_ARRAY], ["hash", BPF_MAP_TYPE_HASH]] as const) {
        const m = be.bpf(BPF_MAP_CREATE, { map_type: type, key_size: 4, value_size: 8, max_entries: 4, map_name: `frz_${kind}` });
        run.see(`${kind}: create`, m.errno);
        run.see(`${kind}: update before freeze`, be.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m.ret, key, value, flags: 0 }).errno);
        run.see(`${kind}: freeze`, be.bpf(BPF_MAP_FREEZE, { map_fd: m.ret }).errno);
        run.see(`${kind}: freeze again`, be.bpf(BPF_MAP_FREEZE, { map_fd: m.ret }).errno);
        run.see(`${kind}: update after freeze`, be.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m.ret, key, value, flags: 0 }).errno);
        run.see(`${kind}: delete after freeze`, be.bpf(BPF_MAP_DELETE_ELEM, { map_fd: m.ret, key }).errno);
        const out = new Uint8Array(8);
        run.see(`${kind}: lookup after freeze`, be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: m.ret, key, value: out }).errno);
        run.see(`${kind}: value`, Array.from(out).join(","));
        run.fdinfo(`${kind} frozen`, m.ret);
        be.close(m.ret);
      }
    },
  },
  {
    name: "hash map key_size has no bound of its own; key_size + value_size must leave room for struct htab_elem under KMALLOC_MAX_SIZE",
    spec: "kernel/bpf/hashtab.c htab_map_alloc_check",
    run(ca) {
      const { be, run } = ca;
      const create = (key_size: number, value_size: number): void => {
        const m = be.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_HASH, key_size, value_size, max_entries: 1, map_name: "keys" });
        run.see(`hash key_size ${key_size} value_size ${value_size}`, m.errno);
        if (m.errno === 0) be.close(m.ret);
      };
      for (const k of [512, 513, 65535, 65536, 1 << 20]) create(k, 4);
      create(4, KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE - 5);
      create(4, KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE - 4);
      create(KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE - 5, 4);
      create(KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE - 4, 4);
    },
  },
  {
    name: "setsockopt(TCP_CONGESTION) takes the name up to its first NUL within optlen; optlen 0 is EINVAL",
    spec: "net/ipv4/tcp.c do_tcp_setsockopt, §7",
    run(ca) {
      const s = ca.sock("socket", "reno");
      for (const name of ["cubic\0junk", "reno\0junk", "", "\0", "reno\0", "cubic\0\0\0", "renox", "a".repeat(20), `reno${"\0".repeat(20)}cubic`]) {
        ca.setCc(JSON.stringify(name), s, name);
        ca.getCc(JSON.stringify(name), s);
      }
      ca.close("socket", s);
    },
  },
  {
    name: "bpf_setsockopt(TCP_CONGESTION) from init: \"cdg\" (optlen 3 or 4) ENOTSUPP, optlen < 2 EINVAL, an unknown name ENOENT",
    spec: "net/core/filter.c sol_tcp_sockopt_congestion, §7",
    run(ca) {
      const cnt = ca.counters();
      const m = ca.createCaMap("create", "ca_update_1", true);
      const progs: Record<string, number> = {};
      for (const member of ["ssthresh", "undo_cwnd"]) progs[member] = ca.loadProg(member, member, ca.kfuncInsns(`tcp_reno_${member}`, 1)).ret;
      progs.cong_avoid = ca.loadProg("cong_avoid", "cong_avoid", ca.kfuncInsns("tcp_reno_cong_avoid", 3)).ret;
      // Each case: option bytes (little-endian u64 on the stack), optlen; its return goes to counter i.
      const cases: Array<[string, number]> = [["cdg\0", 4], ["cdg", 3], ["cd", 2], ["c", 1], ["cdgx", 4], ["cdg\0\0\0", 6], ["nope\0", 5]];
      const insns: AsmItem[] = [BPF_LDX_MEM(BPF_DW, BPF_REG_6, BPF_REG_1, 0)];
      cases.forEach(([opt, len], i) => {
        const b = new Uint8Array(8);
        b.set(new TextEncoder().encode(opt));
        const dv = new DataView(b.buffer);
        insns.push(
          BPF_ST_MEM(BPF_W, BPF_REG_10, -8, dv.getInt32(0, true)),
          BPF_ST_MEM(BPF_W, BPF_REG_10, -4, dv.getInt32(4, true)),
          BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
          BPF_MOV64_IMM(BPF_REG_2, SOL_TCP),
          BPF_MOV64_IMM(BPF_REG_3, TCP_CONGESTION),
          BPF_MOV64_REG(BPF_REG_4, BPF_REG_10),
          BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, -8),
          BPF_MOV64_IMM(BPF_REG_5, len),
          BPF_EMIT_CALL(BPF_FUNC_setsockopt),
          BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
          BPF_ST_MEM(BPF_W, BPF_REG_10, -12, i),
          BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
          BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -12),
          BPF_LD_MAP_FD(BPF_REG_1, cnt),
          BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
          BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
          BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_7, 0),
        );
      });
      insns.push(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN());
      const init = ca.loadProg("init", "init", assemble(insns));
      if (init.errno !== 0) throw new Error(`init refused: ${init.log}`);
      progs.init = init.ret;
      ca.updateCa("update", m, UPD, progs);
      const l = ca.linkCreate("link", m);
      const s = ca.sock("socket", UPD);
      cases.forEach(([opt, len], i) => {
        const v = ca.counter(`${JSON.stringify(opt)} optlen ${len}`, cnt, i);
        ca.run.see(`${JSON.stringify(opt)} optlen ${len}: errno`, -Number(BigInt.asIntN(64, BigInt(v))));
      });
      ca.getCc("socket", s);
      ca.close("socket", s);
      ca.close("link", l);
    },
  },
];
