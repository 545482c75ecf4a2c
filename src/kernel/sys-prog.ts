/**
 * @fileoverview BPF_PROG_LOAD (kernel/bpf/syscall.c bpf_prog_load) and the
 * part of the verifier the model reproduces (kernel/bpf/verifier.c): bytecode
 * validity, struct_ops attach checks (check_struct_ops_btf_id), iterator
 * attach and context checks (BPF_PROG_TYPE_TRACING with BPF_TRACE_ITER:
 * ./iter/verifier.ts), map fd resolution (resolve_pseudo_ldimm64), and which
 * helpers and kfuncs a program may call. The verifier log gets Linux's messages for these rejections.
 *
 * What the model does not prove (termination, register types, bounds) is
 * enforced at run time instead: every memory access is checked and every run
 * has an instruction budget.
 *
 * @see kernel/bpf/verifier.c check_struct_ops_btf_id (v6.18)
 */
import { createHash } from "node:crypto";
import { progTypePermission } from "./capability.js";
import { E2BIG, EACCES, EFAULT, EINVAL, ENOMEM, ENOSPC, ENOTSUPP, EPERM } from "../uapi/errno.js";
import {
  BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_STRUCT_OPS,
} from "../uapi/bpf-enums.js";
import {
  BPF_F_ANY_ALIGNMENT, BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_RND_HI32, BPF_F_TEST_STATE_FREQ,
  BPF_F_XDP_HAS_FRAGS, BPF_F_XDP_DEV_BOUND_ONLY, BPF_F_TEST_REG_INVARIANTS,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID,
} from "../uapi/bpf-flags.js";
import type { ProgLoadAttrDecoded } from "../uapi/attr-codec.js";
import { BPF_FUNC_NAMES } from "../uapi/bpf-helpers.js";
import { BpfDecodeError, decode, KEY_CALL_HELPER, KEY_CALL_KFUNC, KEY_CALLX, KEY_LDDW } from "../asm/index.js";
import type { DecodedProg } from "../asm/index.js";
import { isErr } from "./errptr.js";
import { BpfProg } from "./prog/core.js";
import { checkBtfStructWrites } from "./verifier-btf-access.js";
import type { CtxPolicy } from "./verifier-btf-access.js";
import { checkIterAttach, iterCtxPolicy } from "./iter/verifier.js";
import { ITER_GPL_ONLY_HELPERS } from "./iter/helpers.js";
import { arrayValueAddr } from "./map/array.js";
import { objNameCpy } from "./names.js";
import type { Task } from "./task.js";

/** BPF_COMPLEXITY_LIMIT_INSNS. */
const MAX_INSNS_PRIV = 1_000_000;
/** BPF_MAXINSNS. */
const MAX_INSNS_UNPRIV = 4096;

const KNOWN_PROG_FLAGS =
  BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_TEST_RND_HI32 |
  BPF_F_XDP_HAS_FRAGS | BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS;

/** license_is_gpl_compatible (include/linux/license.h). */
export function licenseIsGplCompatible(l: string): boolean {
  return ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"].includes(l);
}

/** The verifier log of one load: what log_level > 0 asks for. */
class VerifierLog {
  private text = "";
  constructor(private readonly level: number) {}
  verbose(line: string): void {
    if (this.level > 0) this.text += line + "\n";
  }
  get bytes(): Uint8Array {
    return new TextEncoder().encode(this.text);
  }
}

/** BPF_PROG_LOAD: the program fd or -errno. */
export function progLoad(task: Task, a: ProgLoadAttrDecoded): number {
  const k = task.kernel;
  if (a.prog_flags & ~KNOWN_PROG_FLAGS) return -EINVAL;
  if (a.prog_token_fd) return -EINVAL;
  const bpfCap = task.bpfCapable();
  // kernel.unprivileged_bpf_disabled blocks program creation by callers without CAP_BPF.
  if (k.unprivilegedBpfDisabled !== 0 && !bpfCap) return -EPERM;
  const typePerm = progTypePermission(task, a.prog_type);
  if (typePerm < 0) return typePerm;
  if (a.insn_cnt === 0 || a.insn_cnt > (bpfCap ? MAX_INSNS_PRIV : MAX_INSNS_UNPRIV)) return -E2BIG;
  if (a.prog_type !== BPF_PROG_TYPE_SOCKET_FILTER && a.prog_type !== BPF_PROG_TYPE_CGROUP_SKB && !bpfCap) return -EPERM;
  const iter = a.prog_type === BPF_PROG_TYPE_TRACING && a.expected_attach_type === BPF_TRACE_ITER;
  // bpf_prog_load_check_attach: an attach_btf_id needs a BTF to live in and a type that uses one.
  if (a.attach_btf_id !== 0) {
    if (a.attach_btf_id > 0xfffff) return -EINVAL;
    if (a.prog_type !== BPF_PROG_TYPE_STRUCT_OPS && !iter) return -EINVAL;
  }
  // Only struct_ops programs and, of the tracing ones, iterators are modelled.
  if (a.prog_type !== BPF_PROG_TYPE_STRUCT_OPS && !iter) return -EINVAL;
  if (a.attach_btf_obj_fd !== 0) return -EINVAL; // module BTF: not modelled
  const license = task.mm.readString(a.license, 128);
  if (license === null) return -EFAULT;
  const insns = task.mm.read(a.insns, a.insn_cnt * 8);
  if (insns === null) return -EFAULT;
  const name = objNameCpy(a.prog_name);
  if (typeof name !== "string") return name;
  if (k.failNextAlloc()) return -ENOMEM;

  const prog = new BpfProg(k, {
    prog_type: a.prog_type,
    expected_attach_type: a.expected_attach_type,
    attach_btf_id: a.attach_btf_id,
    attach_btf_obj_id: k.vmlinux.id,
    prog_name: name,
    license,
    gpl_compatible: licenseIsGplCompatible(license),
    prog_flags: a.prog_flags,
    btf_id: 0,
  });
  k.liveProgs.add(prog);
  const log = new VerifierLog(a.log_level);
  const err = verify(task, prog, insns, log);
  if (a.log_level > 0 && a.log_buf !== 0n && a.log_size > 0) {
    const b = log.bytes;
    const out = new Uint8Array(Math.min(a.log_size, b.length + 1));
    out.set(b.subarray(0, out.length - 1));
    task.mm.write(a.log_buf, out);
  }
  if (err < 0) {
    // Not yet visible: no ID. Drop maps the fixups took and forget it.
    for (const m of prog.usedMaps) m.put();
    prog.usedMaps.length = 0;
    k.liveProgs.delete(prog);
    prog.freed = true;
    return err;
  }
  prog.loadTime = k.now;
  prog.uid = task.uid;
  prog.id = k.progIdr.allocCyclic(prog);
  if (prog.id === 0) {
    prog.put();
    return -ENOSPC;
  }
  const fd = k.progNewFd(task, prog);
  if (fd < 0) prog.put();
  return fd;
}

/** BPF_COMPLEXITY_LIMIT_INSNS (include/linux/bpf.h): instructions the verifier may process, printed in its last log line. */
const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

function verify(task: Task, prog: BpfProg, insns: Uint8Array, log: VerifierLog): number {
  const k = task.kernel;
  let d: DecodedProg;
  try {
    d = decode(insns);
  } catch (e) {
    if (!(e instanceof BpfDecodeError)) throw e;
    log.verbose(e.message);
    return -EINVAL;
  }
  const a = prog.attrs;
  // add_subprog_and_kfunc runs before check_attach_btf_id: a kfunc call in a
  // non-GPL program fails there first (kernel/bpf/verifier.c add_kfunc_call).
  if (!a.gpl_compatible) {
    for (let pc = 0; pc < d.length; pc++) {
      if (d.key[pc] === KEY_CALL_KFUNC) {
        log.verbose("cannot call kernel function from non-GPL compatible program");
        return -EINVAL;
      }
    }
  }
  const attach = a.prog_type === BPF_PROG_TYPE_TRACING ? iterAttach(k, a.attach_btf_id, log) : structOpsAttach(k, prog, log);
  if (typeof attach === "number") return attach;
  // resolve_pseudo_ldimm64 and the call checks, on a copy the engines will run.
  const x = insns.slice();
  const orig = insns.slice();
  const dv = new DataView(x.buffer);
  const image = k.progImage({ attrs: a, xlated: x, id: 0 });
  // check_kfunc_call refuses a kfunc outside the program type's sets when do_check reaches the call.
  const kfuncRefusals = new Map<number, string>();
  for (let pc = 0; pc < d.length; pc++) {
    const key = d.key[pc] as number;
    if (key === KEY_CALLX) {
      // bpf_opcode_in_insntable: callx is no instruction of the kernel's table (probed on 6.18: EINVAL, this log line).
      log.verbose(`unknown opcode ${(d.code[pc] as number).toString(16)}`);
      return -EINVAL;
    }
    if (key === KEY_LDDW) {
      const src = d.src[pc] as number;
      if (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_VALUE) {
        const fd = d.imm[pc] as number;
        const map = k.mapGetFd(task, fd);
        if (isErr(map)) {
          log.verbose(`fd ${fd} is not pointing to valid bpf_map`);
          return map;
        }
        // check_map_prog_compatibility (kernel/bpf/verifier.c): a program may not hold a
        // struct_ops map; it would let a map reach itself through its own programs.
        if (map.type === BPF_MAP_TYPE_STRUCT_OPS) {
          map.put();
          log.verbose("bpf_struct_ops map cannot be used in prog");
          return -EINVAL;
        }
        prog.usedMaps.push(map);
        let addr = map.addr;
        if (src === BPF_PSEUDO_MAP_VALUE) {
          const off = d.imm2[pc] as number;
          if (map.type !== BPF_MAP_TYPE_ARRAY || off < 0 || off >= map.attrs.value_size) {
            log.verbose(`invalid access to map value pointer, value_size=${map.attrs.value_size} off=${off}`);
            return -EINVAL;
          }
          addr = arrayValueAddr(map, off);
        }
        // The kernel stores the map's address; the tag hashes the insns with the fd cleared.
        dv.setInt32(pc * 8 + 4, addr | 0, true);
        dv.setInt32(pc * 8 + 12, 0, true);
        orig.fill(0, pc * 8 + 4, pc * 8 + 8);
        orig.fill(0, pc * 8 + 12, pc * 8 + 16);
      } else if (src === BPF_PSEUDO_BTF_ID) {
        // check_pseudo_btf_id: a typed ksym; the model's kernel variables only (vmlinux, btf_fd 0).
        const id = d.imm[pc] as number;
        const v = k.ksymVars.get(id);
        if (v === undefined || dv.getInt32(pc * 8 + 12, true) !== 0) {
          log.verbose(`ldimm64 insn specifies invalid btf_id ${id}.`);
          return -EINVAL;
        }
        dv.setInt32(pc * 8 + 4, v.addr | 0, true);
        dv.setInt32(pc * 8 + 12, 0, true);
      } else if (src !== 0) {
        log.verbose(`unsupported pseudo ld_imm64 src_reg ${src}`);
        return -EINVAL;
      }
    } else if (key === KEY_CALL_HELPER) {
      const id = d.imm[pc] as number;
      if (!a.gpl_compatible && ITER_GPL_ONLY_HELPERS.has(id) && image.helpers.has(id)) {
        log.verbose("cannot call GPL-restricted function from non-GPL compatible program");
        return -EINVAL;
      }
      if (!image.helpers.has(id)) {
        const fname = BPF_FUNC_NAMES.get(id);
        log.verbose(fname === undefined ? `invalid func unknown#${id}` : `program of this type cannot use helper bpf_${fname}#${id}`);
        return -EINVAL;
      }
    } else if (key === KEY_CALL_KFUNC) {
      const id = d.imm[pc] as number;
      if (d.off[pc] !== 0) {
        log.verbose("module kfuncs are not supported");
        return -EINVAL;
      }
      if (!image.kfuncs.has(id)) {
        // add_kfunc_call / fetch_kfunc_meta: the id must be a FUNC of vmlinux BTF, and in a kfunc set of this program type.
        const name = k.vmlinuxFuncName(id);
        if (name === undefined) {
          log.verbose(`kernel btf_id ${id} is not a function`);
          return -EINVAL;
        }
        kfuncRefusals.set(pc, `calling kernel function ${name} is not allowed`);
      }
    }
  }
  const alu = checkAluImm(d, log);
  if (alu < 0) return alu;
  // check_ptr_to_btf_access: stores through the hook's struct arguments, by the type's btf_struct_access
  // (a tracing program has none: "only read is supported"); an iterator's context and NULL checks by its target.
  const walk = checkBtfStructWrites(d, attach.argStructs, attach.access, attach.policy, kfuncRefusals);
  if (walk.refused !== undefined) log.verbose(walk.refused.msg);
  // do_check's last line, on success and failure alike (the model counts the instructions its pass visited; it keeps no states).
  log.verbose(`processed ${walk.processed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0`);
  if (walk.refused !== undefined) return -EACCES;
  prog.xlated = x;
  prog.orig = orig;
  prog.tag = createHash("sha256").update(orig).digest("hex").slice(0, 16);
  return 0;
}

/**
 * The immediate-operand rules of check_alu_op (kernel/bpf/verifier.c):
 * division or modulo by an immediate 0 and shifts by an immediate outside
 * [0, width) are refused at load with EINVAL, whatever the engine would do.
 */
function checkAluImm(d: DecodedProg, log: VerifierLog): number {
  for (let pc = 0; pc < d.length; pc++) {
    const code = d.code[pc] as number;
    const cls = code & 0x07;
    if ((cls !== 0x04 && cls !== 0x07) || (code & 0x08) !== 0) continue; // ALU/ALU64 with BPF_K only
    const op = code & 0xf0;
    const imm = d.imm[pc] as number;
    if ((op === 0x30 || op === 0x90) && imm === 0) {
      log.verbose("div by zero");
      return -EINVAL;
    }
    if (op === 0x60 || op === 0x70 || op === 0xc0) {
      const width = cls === 0x07 ? 64 : 32;
      if (imm < 0 || imm >= width) {
        log.verbose(`invalid shift ${imm}`);
        return -EINVAL;
      }
    }
  }
  return 0;
}

/** What the access pass needs from the attach checks. */
interface AttachChecked {
  readonly argStructs: readonly (string | undefined)[];
  readonly access: (struct: string, off: number, size: number) => string | null;
  readonly policy?: CtxPolicy;
}

const READ_ONLY = (): string => "only read is supported";

/** check_attach_btf_id of an iterator program: its target's context rules, or -errno. */
function iterAttach(k: Task["kernel"], attachBtfId: number, log: VerifierLog): AttachChecked | number {
  const target = checkIterAttach(k, attachBtfId, (l) => log.verbose(l));
  if (typeof target === "number") return target;
  return { argStructs: [], access: READ_ONLY, policy: iterCtxPolicy(target) };
}

/** check_struct_ops_btf_id: the hook's struct arguments and the type's write rule, or -errno. */
function structOpsAttach(k: Task["kernel"], prog: BpfProg, log: VerifierLog): AttachChecked | number {
  const a = prog.attrs;
  if (!a.gpl_compatible) {
    log.verbose("struct ops programs must have a GPL compatible license");
    return -EINVAL;
  }
  if (a.attach_btf_id === 0) return -ENOTSUPP;
  const desc = k.structOpsByTypeId(a.attach_btf_id);
  if (desc === undefined) {
    log.verbose(`attach_btf_id ${a.attach_btf_id} is not a supported struct`);
    return -ENOTSUPP;
  }
  const member = desc.members[a.expected_attach_type];
  if (member === undefined) {
    log.verbose(`attach to invalid member idx ${a.expected_attach_type} of struct ${desc.type.name}`);
    return -EINVAL;
  }
  if (!member.isFuncPtr) {
    log.verbose(`attach to invalid member ${member.name}(@idx ${member.index}) of struct ${desc.type.name}`);
    return -EINVAL;
  }
  if (!desc.type.implementable.has(member.name)) {
    log.verbose(`attach to unsupported member ${member.name} of struct ${desc.type.name}`);
    return -ENOTSUPP;
  }
  const cm = desc.type.checkMember?.(member, prog) ?? 0;
  if (cm < 0) {
    log.verbose(`attach to unsupported member ${member.name} of struct ${desc.type.name}`);
    return cm;
  }
  const access = desc.type.btfStructAccess?.bind(desc.type) ?? READ_ONLY;
  return { argStructs: desc.argStructs[member.index] ?? [], access };
}
