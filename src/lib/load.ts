/**
 * @fileoverview The load sequence of a BPF object (libbpf's
 * bpf_object__load, KERNEL-SPEC.md §8, LANDSCAPE.md 2.1): BTF fix-ups and
 * BPF_BTF_LOAD, map creation (pinned-by-name reuse, global data populated,
 * .rodata/.kconfig frozen), struct_ops layouts against the target BTF, CO-RE
 * and relocations, BPF_PROG_LOAD (reloaded with a log to explain a refusal),
 * struct_ops values with the program fds; and the rollback that closes every
 * fd a failed load (or a close) leaves open. Every call goes through
 * `backend.bpf(cmd, attr)`.
 */
import {
  BPF_BTF_LOAD, BPF_MAP_CREATE, BPF_MAP_FREEZE, BPF_MAP_TYPE_STRUCT_OPS, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET, BPF_OBJ_PIN,
  BPF_PROG_LOAD, BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER,
} from "../uapi/bpf-enums.js";
import { BPF_F_SLEEPABLE } from "../uapi/bpf-flags.js";
import { EINVAL, ENOENT, ESRCH } from "../uapi/errno.js";
import { BTF_KIND_FUNC, BTF_KIND_VAR } from "../uapi/btf.js";
import type { ProgramSpec } from "../obj/spec.js";
import { applyCoreRelos, essentialName } from "../obj/core.js";
import { applyRelocs } from "../obj/relocate.js";
import { prepareStructOps, structOpsAutoload } from "../obj/struct-ops.js";
import type { Btf } from "../btf/btf.js";
import { ModelProcess } from "../backend/model-process.js";
import type { Backend } from "../backend/backend.js";
import { BpfError } from "./errors.js";
import { fail, sys } from "./bpf-call.js";
import { OwnedFd } from "./fd.js";
import { sanitizeObjectBtf } from "./btf-sanitize.js";
import { kconfigValue } from "./kconfig-data.js";
import { emulatedTarget, hostTarget } from "./target.js";
import type { KconfigValue, Target } from "./target.js";
import type { BpfObject } from "./object.js";

/** Options for {@link BpfObject.load}. */
export interface LoadOptions {
  /** The kernel to relocate against; default the emulated kernel's for a ModelProcess, the host's otherwise. */
  readonly target?: Target;
  /** Extra kconfig values, overriding the target's. */
  readonly kconfig?: Readonly<Record<string, KconfigValue>>;
  /** Verifier log level for every program (0: only on failure, to explain it). */
  readonly logLevel?: number;
  /** Directory of `LIBBPF_PIN_BY_NAME` maps (default /sys/fs/bpf). */
  readonly pinRoot?: string;
}

const LIBBPF_PIN_BY_NAME = 1;

/** The kernel objects of a load that belong to no map or program (the object's BTF). */
export interface ObjectFds {
  /** The BTF of BPF_BTF_LOAD, when the kernel took it. */
  btf: OwnedFd | undefined;
}

/** The target a load relocates against: `opts.target`, else for a ModelProcess its kernel's (BTF and kconfig of its configuration), the host's otherwise. */
export function resolveTarget(backend: Backend, opts: LoadOptions, obj: string): Target {
  return opts.target ?? (backend instanceof ModelProcess ? emulatedTarget(backend.tcp.config) : hostTargetOrFail(obj));
}

/**
 * Loads `obj` into `backend` for `target`: BTF, maps, struct_ops layouts,
 * programs, struct_ops values. Fds opened are recorded on the maps, the
 * programs and `fds`; on failure it throws and leaves them for
 * {@link releaseFds}.
 * @throws {BpfError} (or ObjError from CO-RE/relocation)
 */
export function loadObject(obj: BpfObject, backend: Backend, target: Target, opts: LoadOptions, fds: ObjectFds): void {
  const kconfig = new Map(target.kconfig);
  for (const [k, v] of Object.entries(opts.kconfig ?? {})) kconfig.set(k, v);
  const uses = [...obj.maps.values()].map((m) => ({ autocreate: m.autocreate, funcs: m.structOpsFuncs }));
  for (const [name, on] of structOpsAutoload([...obj.programs.values()].map((p) => p.spec), uses)) obj.program(name).decideAutoload(on);
  for (const m of obj.maps.values()) {
    for (const name of m.replacedPrograms) obj.programs.get(name)?.decideAutoload(false);
  }
  loadBtf(obj, backend, fds);
  createMaps(obj, backend, fds, kconfig, opts.pinRoot ?? "/sys/fs/bpf");
  prepareStructOpsMaps(obj, backend, fds, target.btf);
  loadPrograms(obj, backend, fds, target.btf, opts.logLevel ?? 0);
  fillStructOpsValues(obj);
}

function loadBtf(obj: BpfObject, backend: Backend, fds: ObjectFds): void {
  const btf = obj.spec.btf;
  if (btf === undefined) return;
  const raw = sanitizeObjectBtf(btf, obj.spec.externs, obj.maps.get(".kconfig")?.valueSize ?? 0);
  const r = backend.bpf(BPF_BTF_LOAD, { btf: raw, btf_size: raw.length });
  // libbpf goes on without BTF when the kernel refuses it; struct_ops maps then fail to create.
  if (r.errno === 0) fds.btf = new OwnedFd(backend, r.ret);
}

function createMaps(obj: BpfObject, backend: Backend, fds: ObjectFds, kconfig: Map<string, KconfigValue>, pinRoot: string): void {
  for (const m of obj.maps.values()) {
    const s = m.spec;
    if (!m.autocreate) continue;
    if (s.kind === "struct_ops") continue; // needs the target layout: prepareStructOpsMaps
    const ctx = `create map '${s.name}'`;
    if (s.pinning === LIBBPF_PIN_BY_NAME) {
      const r = backend.bpf(BPF_OBJ_GET, { pathname: `${pinRoot}/${s.name}` });
      if (r.errno === 0) {
        m.adopt(new OwnedFd(backend, r.ret));
        continue;
      }
    }
    const btfFd = fds.btf?.raw;
    const withBtf = btfFd !== undefined && (s.btfKeyTypeId !== 0 || s.btfValueTypeId !== 0);
    const fd = sys(backend, BPF_MAP_CREATE, {
      map_type: s.type, key_size: s.keySize, value_size: s.valueSize, max_entries: s.maxEntries, map_flags: m.flags,
      numa_node: s.numaNode, map_name: objName(s.kernelName), map_extra: s.mapExtra,
      ...(withBtf ? { btf_fd: btfFd, btf_key_type_id: s.btfKeyTypeId, btf_value_type_id: s.btfValueTypeId } : {}),
    }, ctx);
    m.adopt(new OwnedFd(backend, fd));
    if (s.kind === "data" || s.kind === "kconfig") {
      const value = s.kind === "kconfig" ? kconfigValue(obj.name, obj.spec.externs, s, kconfig) : m.initial ?? new Uint8Array(s.valueSize);
      sys(backend, BPF_MAP_UPDATE_ELEM, { map_fd: fd, key: new Uint8Array(4), value, flags: 0n }, `populate map '${s.name}'`);
      if (s.readonly) sys(backend, BPF_MAP_FREEZE, { map_fd: fd }, `freeze map '${s.name}'`);
    }
    if (s.pinning === LIBBPF_PIN_BY_NAME) sys(backend, BPF_OBJ_PIN, { pathname: `${pinRoot}/${s.name}`, bpf_fd: fd }, `pin map '${s.name}'`);
  }
}

function prepareStructOpsMaps(obj: BpfObject, backend: Backend, fds: ObjectFds, target: Btf): void {
  const local = obj.spec.btf;
  for (const m of obj.maps.values()) {
    const s = m.spec;
    if (s.kind !== "struct_ops" || !m.autocreate || s.structOps === undefined) continue;
    if (local === undefined) fail("bpf_object__load", EINVAL, `create map '${s.name}': no BTF`);
    const kern = prepareStructOps(m.asSet(), local, target);
    m.structOpsKern = kern;
    for (const dropped of kern.dropped) obj.programs.get(dropped)?.decideAutoload(false);
    for (const slot of kern.slots) {
      const p = obj.program(slot.program);
      const key = `${kern.typeName}.${slot.member}`;
      if (p.boundTo !== undefined && p.boundTo !== key) {
        fail("bpf_object__load", EINVAL, `create map '${s.name}': program '${p.name}' is already used for ${p.boundTo} and cannot also serve ${key}`);
      }
      p.boundTo = key;
      p.attachBtfId = kern.typeId;
      p.expectedAttachType = slot.memberIndex;
    }
    const fd = sys(backend, BPF_MAP_CREATE, {
      map_type: BPF_MAP_TYPE_STRUCT_OPS, key_size: 4, value_size: kern.valueSize, max_entries: 1, map_flags: m.flags,
      map_name: objName(s.kernelName), btf_fd: fds.btf?.raw ?? 0, btf_vmlinux_value_type_id: kern.valueTypeId,
    }, `create map '${s.name}'`);
    m.adopt(new OwnedFd(backend, fd));
  }
}

function loadPrograms(obj: BpfObject, backend: Backend, fds: ObjectFds, target: Btf, logLevel: number): void {
  for (const p of obj.programs.values()) {
    const s = p.spec;
    if (!p.autoload) continue;
    const ctx = `load program '${s.name}'`;
    if (s.progType === BPF_PROG_TYPE_STRUCT_OPS && p.attachBtfId === 0) {
      fail("bpf_object__load", EINVAL, `${ctx}: struct_ops program isn't referenced anywhere, did you forget to set it?`);
    }
    if (s.progType === BPF_PROG_TYPE_TRACING && s.expectedAttachType === BPF_TRACE_ITER) p.attachBtfId = iterTargetBtfId(s, target, ctx);
    const core = applyCoreRelos(s, obj.spec.btf, target);
    const insns = applyRelocs(s, core.insns, {
      mapFd: (name) => {
        const fd = obj.maps.get(name)?.fd;
        return fd === undefined || fd < 0 ? undefined : fd;
      },
      kfuncId: (name) => {
        const id = target.findByNameKind(essentialName(name), BTF_KIND_FUNC);
        return id < 0 ? undefined : id;
      },
      ksymId: (name) => {
        const id = target.findByNameKind(essentialName(name), BTF_KIND_VAR);
        return id < 0 ? undefined : id;
      },
    });
    p.finalInsns = insns;
    const btfFd = fds.btf?.raw;
    const useBtf = btfFd !== undefined && s.funcInfo.length > 0;
    const attr = {
      prog_type: s.progType, insn_cnt: insns.length / 8, insns, license: obj.spec.license, kern_version: obj.spec.kernVersion,
      prog_flags: s.sleepable ? BPF_F_SLEEPABLE : 0, prog_name: objName(s.name), expected_attach_type: p.expectedAttachType,
      attach_btf_id: p.attachBtfId,
      ...(useBtf ? {
        prog_btf_fd: btfFd, func_info_rec_size: 8, func_info: encodeFuncInfo(s), func_info_cnt: s.funcInfo.length,
        line_info_rec_size: 16, line_info: encodeLineInfo(s), line_info_cnt: s.lineInfo.length,
      } : {}),
    };
    const logBuf = new Uint8Array(logLevel > 0 ? 1 << 16 : 0);
    const r = backend.bpf(BPF_PROG_LOAD, logLevel > 0 ? { ...attr, log_level: logLevel, log_size: logBuf.length, log_buf: logBuf } : attr);
    if (r.errno !== 0) {
      // The log the caller asked for explains the failure; without one, libbpf reloads with a log to explain it.
      if (logLevel > 0) p.log = cstring(logBuf);
      else {
        const lb = new Uint8Array(1 << 16);
        const again = backend.bpf(BPF_PROG_LOAD, { ...attr, log_level: 1, log_size: lb.length, log_buf: lb });
        if (again.errno === 0) backend.close(again.ret);
        p.log = cstring(lb);
      }
      throw BpfError.fromCmd(BPF_PROG_LOAD, r.errno, ctx, p.log === "" ? "" : `verifier: ${p.log.trim().split("\n").slice(-2).join("; ")}`);
    }
    if (logLevel > 0) p.log = cstring(logBuf);
    p.adopt(new OwnedFd(backend, r.ret));
  }
}

/**
 * libbpf's find_attach_btf_id for an `iter/<target>` section: the FUNC
 * `bpf_iter_<target>` of the target kernel's BTF (the kernel registers each
 * iterator target with such a function, whose arguments are the context).
 * @throws {BpfError} ESRCH when the kernel has no such iterator target
 */
function iterTargetBtfId(s: ProgramSpec, target: Btf, ctx: string): number {
  const fn = `${BTF_ITER_PREFIX}${s.attachTo}`;
  const id = target.findByNameKind(fn, BTF_KIND_FUNC);
  if (id < 0) fail("bpf_object__load", ESRCH, `${ctx}: failed to find kernel BTF type ID of '${fn}' (iterator target '${s.attachTo}')`);
  return id;
}

/** libbpf's BTF_ITER_PREFIX. */
const BTF_ITER_PREFIX = "bpf_iter_";

function fillStructOpsValues(obj: BpfObject): void {
  for (const m of obj.maps.values()) {
    const kern = m.structOpsKern;
    if (kern === undefined) continue;
    const value = kern.value.slice();
    const dv = new DataView(value.buffer);
    for (const slot of kern.slots) {
      const p = obj.program(slot.program);
      if (p.fd < 0) fail("bpf_object__load", EINVAL, `prepare map '${m.name}': program '${p.name}' of member '${slot.member}' is not loaded (autoload off)`);
      dv.setBigUint64(slot.valueOffset, BigInt(p.fd), true);
    }
    m.kernValue = value;
  }
}

/** Closes every program, map and BTF fd of `obj` and forgets its load state (libbpf's unload). */
export function releaseFds(obj: BpfObject, fds: ObjectFds): void {
  for (const p of obj.programs.values()) p.release();
  for (const m of obj.maps.values()) m.release();
  fds.btf?.close();
  fds.btf = undefined;
}

/** A name for BPF_OBJ_NAME_LEN: at most 15 bytes of its UTF-8 (libbpf truncates the same way). */
function objName(name: string): Uint8Array {
  return new TextEncoder().encode(name).subarray(0, 15);
}

function cstring(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

function encodeFuncInfo(s: ProgramSpec): Uint8Array {
  const out = new Uint8Array(s.funcInfo.length * 8);
  const dv = new DataView(out.buffer);
  s.funcInfo.forEach((f, i) => {
    dv.setUint32(i * 8, f.insn, true);
    dv.setUint32(i * 8 + 4, f.typeId, true);
  });
  return out;
}

function encodeLineInfo(s: ProgramSpec): Uint8Array {
  const out = new Uint8Array(s.lineInfo.length * 16);
  const dv = new DataView(out.buffer);
  s.lineInfo.forEach((l, i) => {
    dv.setUint32(i * 16, l.insn, true);
    dv.setUint32(i * 16 + 4, l.fileNameOff, true);
    dv.setUint32(i * 16 + 8, l.lineOff, true);
    dv.setUint32(i * 16 + 12, l.lineCol, true);
  });
  return out;
}

function hostTargetOrFail(obj: string): Target {
  try {
    return hostTarget();
  } catch (e) {
    return fail("bpf_object__load", ENOENT, `load object '${obj}': no target BTF for the host kernel (/sys/kernel/btf/vmlinux)`, e);
  }
}

/** Is `backend` the emulated kernel (whose target is the default)? */
export function isEmulated(backend: Backend): boolean {
  return backend instanceof ModelProcess;
}
