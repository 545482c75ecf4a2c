/**
 * @fileoverview The parity vocabulary one level up: scenarios written against
 * the user API (`BpfObject`, `BpfLink`, src/lib/object.ts) with the clang-built
 * fixtures of test/fixtures, run on a parity {@link Target} (the emulated
 * kernel or Linux in a private netns). Each call performs one library
 * operation and records what a user observes: the outcome ("ok" or the
 * failing command and errno), a struct_ops map's lookup (state, refcnt, CA
 * name, programs), the link's map, `.bss` counters read through
 * `obj.variable()`, sockets by CA name, the CC lists, fdinfo.
 *
 * The emulated kernel loads either build of a fixture (`.model.bpf.o` is
 * built against the model's vmlinux.h, `.linux.bpf.o` against Linux's, which
 * the model takes through CO-RE); Linux loads the `.linux` build, relocated
 * against /sys/kernel/btf/vmlinux (`hostTarget()`).
 */
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject } from "../../src/lib/object.js";
import type { BpfLink, BpfObjectMap } from "../../src/lib/object.js";
import { emulatedTarget, hostTarget } from "../../src/lib/target.js";
import type { Target as LoadTarget } from "../../src/lib/target.js";
import { fixture } from "../obj/helpers.js";
import type { Run } from "./observe.js";
import type { Target } from "./target.js";

export type Build = "linux" | "model";

const STATE_NAMES = ["INIT", "INUSE", "TOBEFREE", "READY"];

let host: LoadTarget | undefined;

/** The kernel a load relocates against: the model's own BTF, or the host's (parsed once). */
export function loadTargetOf(t: Target): LoadTarget {
  if (t.name === "model") return emulatedTarget();
  host ??= hostTarget();
  return host;
}

/** One library scenario run on one target with one fixture build. */
export class LibRun {
  private readonly objects: BpfObject[] = [];
  private readonly links: BpfLink[] = [];
  /** verified_insns of each program whose fdinfo was read (kept out of the compared steps). */
  readonly verifiedInsns = new Map<string, number>();

  constructor(readonly run: Run, readonly build: Build) {}

  get t(): Target {
    return this.run.t;
  }

  /** Records `fn`'s outcome: "ok", or "<cmd> <ERRNO> (<errno>)" of the BpfError it threw. */
  attempt<R>(label: string, fn: () => R): { ok: true; value: R } | { ok: false; value?: undefined } {
    try {
      const value = fn();
      this.run.see(label, "ok");
      return { ok: true, value };
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      this.run.see(label, `${e.cmd} ${e.errnoName} (${e.errno})`);
      return { ok: false };
    }
  }

  /** Opens fixture `name` in this run's build (not loaded). */
  open(name: string): BpfObject {
    const obj = BpfObject.open(fixture(name, this.build), { name });
    this.objects.push(obj);
    return obj;
  }

  /** The kernel BTF loads on this run's target relocate against. */
  loadTargetOf(): LoadTarget {
    return loadTargetOf(this.t);
  }

  /** Loads `obj` into the target; records the outcome and, on a failed program load, the verifier's first line. */
  load(label: string, obj: BpfObject): boolean {
    const { ok } = this.attempt(`${label}: load`, () => obj.load(this.t.be, { target: loadTargetOf(this.t) }));
    if (!ok) {
      const failed = [...obj.programs.values()].find((p) => p.log !== "");
      if (failed !== undefined) this.run.see(`${label}: verifier of ${failed.name}`, failed.log.trim().split("\n")[0] ?? "");
    }
    return ok;
  }

  /** Opens and loads fixture `name`; throws when the load fails. */
  loaded(name: string): BpfObject {
    const obj = this.open(name);
    if (!this.load(name, obj)) throw new Error(`${this.t.name}/${this.build}: fixture ${name} did not load`);
    return obj;
  }

  attach(label: string, obj: BpfObject, map: string): BpfLink | undefined {
    const l = this.attempt(`${label}: attachStructOps(${map})`, () => obj.attachStructOps(map)).value;
    if (l !== undefined) this.links.push(l);
    return l;
  }

  update(label: string, link: BpfLink, map: BpfObjectMap, replace?: BpfObjectMap): boolean {
    const what = replace === undefined ? map.name : `${map.name}, replace ${replace.name}`;
    return this.attempt(`${label}: updateMap(${what})`, () => link.updateMap(map, replace === undefined ? {} : { replace })).ok;
  }

  /** The map a link holds (its struct_ops.map_id), as the label of that map. */
  linkMap(label: string, link: BpfLink): string {
    try {
      const id = link.info().struct_ops?.map_id ?? 0;
      return this.run.see(`${label}: link map`, this.run.id("map", id));
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      return this.run.see(`${label}: link map`, `${e.cmd} ${e.errnoName}`);
    }
  }

  /** Labels map `m` by its kernel ID (so link maps compare by name). */
  mapId(label: string, m: BpfObjectMap): string {
    return this.run.see(`${label}: ${m.name} id`, m.fd < 0 ? "not created" : this.run.id("map", m.info().id));
  }

  /** BPF_MAP_LOOKUP_ELEM of a struct_ops map through the API, decoded. */
  state(label: string, m: BpfObjectMap): unknown {
    let v: Uint8Array;
    try {
      v = m.lookup(0);
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      return this.run.see(`${label}: ${m.name} lookup`, `${e.cmd} ${e.errnoName}`);
    }
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const { funcSlots, nameOffset } = this.t.btf;
    const progs: Record<string, string> = {};
    for (const s of funcSlots) {
      const id = dv.getBigUint64(s.offset, true);
      if (id !== 0n) progs[s.name] = this.run.id("prog", id);
    }
    const name = v.subarray(nameOffset, nameOffset + 16);
    const end = name.indexOf(0);
    return this.run.see(`${label}: ${m.name} lookup`, {
      state: STATE_NAMES[dv.getUint32(4, true)] ?? dv.getUint32(4, true),
      refcnt: dv.getUint32(0, true),
      name: new TextDecoder().decode(name.subarray(0, end < 0 ? 16 : end)),
      progs,
    });
  }

  /** A global variable through `obj.variable(name).getBigInt()`. */
  counter(label: string, obj: BpfObject, name: string): string {
    let v: string;
    try {
      v = obj.variable(name).getBigInt().toString();
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      v = `${e.cmd} ${e.errnoName}`;
    }
    return this.run.see(`${label}: ${name}`, v);
  }

  /** A connected socket that asks for `cc` by name; records the setsockopt errno and what getsockopt says. */
  sock(label: string, cc: string): number {
    const s = this.t.be.socket();
    this.run.see(`${label}: socket`, s.errno);
    this.setCc(label, s.ret, cc);
    return s.ret;
  }

  setCc(label: string, fd: number, cc: string): number {
    const r = this.t.be.setCongestion(fd, cc);
    this.run.see(`${label}: setsockopt(TCP_CONGESTION, ${cc})`, r.errno);
    this.getCc(label, fd);
    return r.errno;
  }

  getCc(label: string, fd: number): string {
    const r = this.t.be.getCongestion(fd);
    return this.run.see(`${label}: getsockopt(TCP_CONGESTION)`, r.errno === 0 ? r.name : `errno ${r.errno}`);
  }

  closeSock(label: string, fd: number): void {
    this.run.see(`${label}: close socket`, this.t.be.close(fd).errno);
  }

  /** The CC lists relative to their baseline. */
  lists(label: string): void {
    this.run.available(label);
    this.run.allowed(label);
  }

  /** /proc/self/fdinfo of a link, a map or a program (prog_tag checked against its final instructions). */
  fdinfo(label: string, fd: number, insns?: Uint8Array): string {
    return this.run.fdinfo(label, fd, insns);
  }

  /**
   * A program's fdinfo; prog_tag must be the tag of the instructions the
   * loader gave the kernel. `verified_insns` is set aside in
   * {@link verifiedInsns} and blanked: Linux reports how many instructions
   * its verifier processed over every path it explored, which the emulated
   * kernel, with no path-exploring verifier, does not reproduce (it reports
   * the program's instruction slots).
   */
  progFdinfo(label: string, obj: BpfObject, prog: string): string {
    const p = obj.program(prog);
    const text = this.fdinfo(`${label}: ${prog}`, p.fd, p.finalInsns);
    const m = /^verified_insns:\t(\d+)$/m.exec(text);
    if (m === null) return text;
    this.verifiedInsns.set(prog, Number(m[1]));
    const blanked = text.replace(/^verified_insns:\t\d+$/m, "verified_insns:\t*");
    const steps = this.run.steps;
    const last = steps[steps.length - 1];
    if (last !== undefined) steps[steps.length - 1] = { label: last.label, value: blanked };
    return blanked;
  }

  /** Closes every link (fake links delete their map element) and object this run opened. */
  cleanup(): void {
    for (const l of this.links) {
      try {
        l.close();
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
      }
    }
    for (const o of this.objects) o.close();
  }
}

/** A scenario at the library level. */
export interface LibScenario {
  readonly name: string;
  /** The KERNEL-SPEC.md section(s) it checks. */
  readonly spec: string;
  run(x: LibRun): void;
}
