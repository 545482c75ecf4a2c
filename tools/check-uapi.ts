/**
 * @fileoverview Checks src/uapi against the running kernel's BTF.
 *
 * Dumps /sys/kernel/btf/vmlinux (or $VMLINUX_BTF) with
 * `bpftool btf dump file <path> format raw`, which lists every member's bit
 * offset, and compares:
 *  - every numeric constant of bpf-enums.ts and bpf-helpers.ts (and the
 *    value → name tables) with the kernel's enum values; bpf-flags.ts
 *    constants too where the kernel has them in an enum (most are #defines);
 *  - every field offset, size and kind of the union bpf_attr layouts
 *    (attr-layout.ts), the CHECK_ATTR last fields (attr-last-field.ts) and the
 *    info structs (info.ts), plus the struct and union sizes.
 *
 * A differing value, offset or size is a mismatch (exit 1). A name the kernel
 * lacks is a note only, so an older kernel does not fail the check for
 * constants it predates. Without bpftool or a readable BTF file the tool says
 * why and exits 0. Usage: `npx tsx tools/check-uapi.ts`.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { release } from "node:os";
import * as enums from "../src/uapi/bpf-enums.js";
import * as helpers from "../src/uapi/bpf-helpers.js";
import * as flags from "../src/uapi/bpf-flags.js";
import { ATTR_LAYOUTS, BPF_ATTR_SIZE, LINK_CREATE_UNION_MEMBERS } from "../src/uapi/attr-layout.js";
import { BPF_ATTR_LAST_FIELD } from "../src/uapi/attr-last-field.js";
import { INFO_LAYOUTS } from "../src/uapi/info.js";
import type { Field, StructLayout } from "../src/uapi/layout.js";

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  typeId?: number;
  nrElems?: number;
  signed?: boolean;
  members: { name: string; typeId: number; bitsOffset: number; bitfieldSize: number }[];
  values: { name: string; val: bigint }[];
}

/** One flattened member of a struct or union, by path from the root. */
interface Member {
  offset: number;
  size: number;
  /** "int", "array", "struct", "union", "ptr", "enum". */
  kind: string;
  signed: boolean;
  /** Element size for arrays (1 for char[]). */
  elemSize: number;
  bitfieldSize: number;
  /** The root's direct member that contains this one (its offset and size). */
  top: { offset: number; size: number };
}

const path = process.env.VMLINUX_BTF ?? "/sys/kernel/btf/vmlinux";

function skip(reason: string): never {
  console.log(`check-uapi: skipped: ${reason}`);
  process.exit(0);
}

try {
  accessSync(path, constants.R_OK);
} catch {
  skip(`${path} is not readable (kernel built without CONFIG_DEBUG_INFO_BTF, or not Linux)`);
}
const dump = spawnSync("bpftool", ["btf", "dump", "file", path, "format", "raw"], { encoding: "utf8", maxBuffer: 1 << 30 });
if (dump.error !== undefined) skip(`bpftool is not available (${dump.error.message})`);
if (dump.status !== 0) skip(`bpftool failed with status ${dump.status}: ${dump.stderr.trim()}`);

// ---- Parse `format raw`.
const types = new Map<number, BtfType>();
let cur: BtfType | undefined;
for (const line of dump.stdout.split("\n")) {
  const head = /^\[(\d+)\] (\w+) '([^']*)'(.*)$/.exec(line);
  if (head !== null) {
    const rest = head[4] as string;
    const num = (key: string): number | undefined => {
      const m = new RegExp(` ${key}=(\\d+)`).exec(rest);
      return m === null ? undefined : Number(m[1]);
    };
    cur = { id: Number(head[1]), kind: head[2] as string, name: head[3] as string, members: [], values: [] };
    const size = num("size");
    if (size !== undefined) cur.size = size;
    const typeId = num("type_id");
    if (typeId !== undefined) cur.typeId = typeId;
    const nrElems = num("nr_elems");
    if (nrElems !== undefined) cur.nrElems = nrElems;
    cur.signed = / encoding=SIGNED/.test(rest);
    types.set(cur.id, cur);
    continue;
  }
  if (cur === undefined) continue;
  const mem = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line);
  if (mem !== null) {
    cur.members.push({ name: mem[1] as string, typeId: Number(mem[2]), bitsOffset: Number(mem[3]), bitfieldSize: Number(mem[4] ?? 0) });
    continue;
  }
  const val = /^\t'([^']*)' val=(-?\d+)/.exec(line);
  if (val !== null) cur.values.push({ name: val[1] as string, val: BigInt(val[2] as string) });
}

function resolve(id: number): BtfType {
  let t = types.get(id);
  while (t !== undefined && (t.kind === "TYPEDEF" || t.kind === "CONST" || t.kind === "VOLATILE" || t.kind === "RESTRICT" || t.kind === "TYPE_TAG")) {
    t = types.get(t.typeId ?? 0);
  }
  if (t === undefined) throw new Error(`check-uapi: BTF type ${id} does not resolve`);
  return t;
}

function sizeOf(t: BtfType): number {
  if (t.kind === "ARRAY") return (t.nrElems ?? 0) * sizeOf(resolve(t.typeId ?? 0));
  if (t.kind === "PTR") return 8;
  return t.size ?? 0;
}

const rootCache = new Map<string, { size: number; members: Map<string, Member> } | null>();

/** Flattens struct/union `name`: named members add "name.", anonymous ones add nothing but are listed as "(anon@off)". */
function flatten(name: string): { size: number; members: Map<string, Member> } | null {
  if (rootCache.has(name)) return rootCache.get(name) ?? null;
  let root: BtfType | undefined;
  for (const t of types.values()) if ((t.kind === "STRUCT" || t.kind === "UNION") && t.name === name) root = root ?? t;
  if (root === undefined) {
    rootCache.set(name, null);
    return null;
  }
  const members = new Map<string, Member>();
  const walk = (t: BtfType, prefix: string, base: number, top: Member["top"] | undefined): void => {
    for (const m of t.members) {
      const off = base + Math.floor(m.bitsOffset / 8);
      const mt = resolve(m.typeId);
      const anon = m.name === "(anon)" || m.name === "";
      const p = anon ? `${prefix}(anon@${off})` : prefix + m.name;
      const size = sizeOf(mt);
      const here = top ?? { offset: off, size };
      const elem = mt.kind === "ARRAY" ? resolve(mt.typeId ?? 0) : mt;
      const info: Member = {
        offset: off,
        size,
        kind: mt.kind.toLowerCase(),
        signed: elem.signed === true,
        elemSize: mt.kind === "ARRAY" ? sizeOf(elem) : 0,
        bitfieldSize: m.bitfieldSize,
        top: here,
      };
      if (!members.has(p)) members.set(p, info);
      if (mt.kind === "STRUCT" || mt.kind === "UNION") walk(mt, anon ? prefix : `${p}.`, off, here);
    }
  };
  walk(root, "", 0, undefined);
  const flat = { size: root.size ?? 0, members };
  rootCache.set(name, flat);
  return flat;
}

// ---- Reporting.
const mismatches: string[] = [];
const notes: string[] = [];
let checks = 0;
function mismatch(msg: string): void {
  mismatches.push(msg);
}
function note(msg: string): void {
  notes.push(msg);
}

// ---- Enum constants.
const enumValues = new Map<string, Set<bigint>>();
const enumOwner = new Map<string, string>();
for (const t of types.values()) {
  if (t.kind !== "ENUM" && t.kind !== "ENUM64") continue;
  for (const v of t.values) {
    let set = enumValues.get(v.name);
    if (set === undefined) enumValues.set(v.name, (set = new Set()));
    set.add(v.val);
    if (!enumOwner.has(v.name)) enumOwner.set(v.name, t.name === "(anon)" ? "anonymous enum" : `enum ${t.name}`);
  }
}

function checkConstant(file: string, name: string, value: number, required: boolean): void {
  const got = enumValues.get(name);
  if (got === undefined) {
    if (required) note(`${file}: ${name} = ${value} is not in the kernel's BTF (newer than this kernel?)`);
    return;
  }
  checks++;
  if (!got.has(BigInt(value))) mismatch(`${file}: ${name} = ${value}, kernel ${enumOwner.get(name)} has ${[...got].join(" / ")}`);
}

function checkModule(file: string, mod: Record<string, unknown>, required: boolean): void {
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v === "number") checkConstant(file, name, v, required);
    else if (v instanceof Map) {
      for (const [value, n] of v as Map<unknown, unknown>) {
        if (typeof value !== "number" || typeof n !== "string") continue;
        // BPF_FUNC_NAMES holds helper names without their BPF_FUNC_ prefix.
        const full = enumValues.has(n) || !enumValues.has(`BPF_FUNC_${n}`) ? n : `BPF_FUNC_${n}`;
        checkConstant(`${file} ${name}`, full, value, required);
      }
    }
  }
}
checkModule("bpf-enums.ts", enums, true);
checkModule("bpf-helpers.ts", helpers, true);
checkModule("bpf-flags.ts", flags, false);

// Kernel enum members the model does not list (information only).
const ours = new Set<string>([...Object.keys(enums), ...Object.keys(helpers)]);
for (const en of ["bpf_cmd", "bpf_map_type", "bpf_prog_type", "bpf_attach_type", "bpf_link_type", "bpf_func_id"]) {
  const t = [...types.values()].find((x) => x.kind === "ENUM" && x.name === en);
  if (t === undefined) continue;
  for (const v of t.values) if (!v.name.startsWith("__") && !ours.has(v.name)) note(`kernel enum ${en} has ${v.name} = ${v.val}, not in src/uapi`);
}

// ---- Layouts.
function kindOk(f: Field, m: Member): boolean {
  switch (f.kind) {
    case "u32":
      return m.kind === "int" && m.size === 4 && !m.signed && m.bitfieldSize === 0;
    case "s32":
      return m.kind === "int" && m.size === 4 && m.signed && m.bitfieldSize === 0;
    case "u64":
    case "ptr":
    case "str_ptr":
      return m.kind === "int" && m.size === 8 && !m.signed;
    case "char":
      return m.kind === "array" && m.elemSize === 1;
    case "bytes":
      return true;
    case "bit":
      return m.bitfieldSize === 1;
  }
}

function checkMember(what: string, root: string, p: string, offset: number, size: number, f?: Field): boolean {
  const flat = flatten(root);
  if (flat === null) {
    note(`${what}: the kernel has no struct/union ${root}`);
    return false;
  }
  const m = flat.members.get(p);
  if (m === undefined) {
    note(`${what}: ${root}.${p} is not in the kernel's BTF (newer than this kernel?)`);
    return false;
  }
  checks++;
  if (m.offset !== offset || m.size !== size) mismatch(`${what}: ${root}.${p} at ${offset} size ${size}, kernel has ${m.offset} size ${m.size}`);
  else if (f !== undefined && !kindOk(f, m)) {
    mismatch(`${what}: ${root}.${p} is ${f.kind}, kernel has ${m.signed ? "signed " : ""}${m.kind}${m.bitfieldSize ? `:${m.bitfieldSize}` : ""} of ${m.size} bytes`);
  }
  return true;
}

function checkLayout(layout: StructLayout): void {
  let allPresent = true;
  let firstPath: string | undefined;
  for (const f of layout.fields) {
    if (f.btf === null) continue;
    const paths = f.btf !== undefined ? [f.btf] : f.names.map((n) => layout.prefix + n);
    for (const p of paths) {
      firstPath ??= p;
      allPresent = checkMember(layout.name, layout.btfRoot, p, f.offset, f.size, f) && allPresent;
    }
  }
  // The C struct this layout describes: a named member, the root itself, or the anonymous member holding the fields.
  const flat = flatten(layout.btfRoot);
  if (flat === null) return;
  let size: number | undefined;
  if (layout.prefix !== "") size = flat.members.get(layout.prefix.slice(0, -1))?.size;
  else if (layout.btfRoot !== "bpf_attr") size = flat.size;
  else if (firstPath !== undefined) size = flat.members.get(firstPath)?.top.size;
  if (size === undefined) return;
  checks++;
  if (size !== layout.size) (allPresent ? mismatch : note)(`${layout.name}: size ${layout.size}, kernel has ${size}`);
}

const attr = flatten("bpf_attr");
if (attr === null) mismatch("the kernel's BTF has no union bpf_attr");
else {
  checks++;
  if (attr.size !== BPF_ATTR_SIZE) mismatch(`BPF_ATTR_SIZE = ${BPF_ATTR_SIZE}, kernel sizeof(union bpf_attr) = ${attr.size}`);
}
for (const layout of [...ATTR_LAYOUTS, ...INFO_LAYOUTS]) checkLayout(layout);
for (const m of LINK_CREATE_UNION_MEMBERS) checkMember("LINK_CREATE_UNION_MEMBERS", "bpf_attr", `link_create.${m.name}`, m.offset, m.size);
for (const [cmd, f] of BPF_ATTR_LAST_FIELD) {
  checkMember(`CHECK_ATTR last field of ${enums.BPF_CMD_NAMES.get(cmd) ?? cmd}`, "bpf_attr", f.field, f.offset, f.size);
}

// ---- Summary.
console.log(`check-uapi: kernel ${release()}, BTF ${path}`);
for (const n of notes) console.log(`  note: ${n}`);
for (const m of mismatches) console.log(`  MISMATCH: ${m}`);
console.log(`check-uapi: ${checks} checks, ${mismatches.length} mismatches, ${notes.length} notes`);
process.exit(mismatches.length > 0 ? 1 : 0);
