/**
 * @fileoverview Plain-text output of the inspection commands, laid out as
 * bpftool's plain output is (tools/bpf/bpftool/map.c, prog.c, link.c,
 * struct_ops.c; facts only): one head line per object, `<id|name>: <type>
 * name ...`, and tab-indented detail lines of `key value` pairs.
 */
import type { ObjectShow } from "../../lib/inspect/object-info.js";
import type { KernelCc, KernelLink, KernelStructOps } from "../../lib/inspect/kernel-snapshot.js";

const flagsText = (flags: number, names: readonly string[]): string => `0x${flags.toString(16)}${names.length > 0 ? ` (${names.join(" | ")})` : ""}`;
const valueText = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? "null");

/** Pads each column of `rows` to its widest cell (the last column is not padded). */
function table(rows: readonly (readonly string[])[], indent = "\t"): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd());
}

/** `object show` without -j. */
export function formatObject(o: ObjectShow): string {
  const out: string[] = [`${o.file}: name ${o.name}  license ${JSON.stringify(o.license)}  kern_version ${o.kern_version}`, "", "sections:"];
  out.push(...table([["idx", "name", "type", "size", "flags"], ...o.sections.map((s) => [String(s.index), s.name, s.type, String(s.size), s.flags])]));
  out.push("", "maps:");
  for (const m of o.maps) {
    out.push(`${m.name}: ${m.type}  name ${m.kernel_name}  flags ${flagsText(m.flags, m.flag_names)}`);
    out.push(`\tkey ${m.key_size}B  value ${m.value_size}B  max_entries ${m.max_entries}  section ${m.section}  pinning ${m.pinning}${m.autocreate ? "" : "  autocreate off"}`);
  }
  out.push("", "programs:");
  for (const p of o.programs) {
    const attach = p.struct_ops_member !== null ? `  member ${p.struct_ops_member}` : p.expected_attach_type !== null ? `  expected_attach_type ${p.expected_attach_type}` : "";
    out.push(`${p.name}: ${p.type}  section ${p.section}${attach}${p.sleepable ? "  sleepable" : ""}`);
    out.push(`\tinsns ${p.insns}  license ${JSON.stringify(p.license)}${p.gpl_compatible ? "  gpl" : ""}  func_info ${p.func_info}  line_info ${p.line_info}  core_relos ${p.core_relos}${p.autoload ? "" : "  autoload off"}`);
  }
  if (o.struct_ops.length > 0) {
    out.push("", "struct_ops:");
    for (const s of o.struct_ops) {
      out.push(`${s.map}: ${s.struct}${s.link ? "  link (BPF_F_LINK)" : ""}${s.autocreate ? "" : "  autocreate off"}`);
      out.push(...table(s.members.map((m) => [m.name, m.program ?? (m.value === null ? "-" : valueText(m.value))])));
    }
  }
  if (o.globals.length > 0) {
    out.push("", "globals:");
    out.push(...table(o.globals.map((g) => [g.name, g.section, `+${g.offset}`, `${g.size}B`, g.type, valueText(g.value)])));
  }
  if (o.externs.length > 0) {
    out.push("", "externs:");
    out.push(...table(o.externs.map((e) => [e.name, e.kind, e.weak ? "weak" : "", e.type])));
  }
  if (o.core_relos.length > 0) {
    out.push("", "CO-RE relocations:");
    out.push(...table(o.core_relos.map((r) => [r.program, `insn ${r.insn}`, r.kind, r.path, `(${r.access})`])));
  }
  return `${out.join("\n")}\n`;
}

/** `struct_ops list|show|dump` without -j: bpftool's `<id>: <name>  <kernel struct>`, and members when dumped. */
export function formatStructOps(maps: readonly KernelStructOps[]): string {
  const out: string[] = [];
  for (const m of maps) {
    out.push(`${m.id}: ${m.name.padEnd(15)} ${m.kernel_struct_ops}  flags ${flagsText(m.map_flags, m.flag_names)}`);
    if (m.state !== undefined) out.push(`\tstate ${m.state}${m.refcnt !== undefined ? `  refcnt ${m.refcnt}` : ""}`);
    if (m.members !== undefined) out.push(...table(m.members.map((x) => [x.name, x.prog_id !== null ? `prog_id ${x.prog_id} ${x.program ?? ""}`.trimEnd() : x.value === null ? "-" : valueText(x.value)])));
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

/** `link list|show` without -j: bpftool's `<id>: <type>  prog <id>` and the struct_ops map. */
export function formatLinks(links: readonly KernelLink[]): string {
  const out = links.map((l) => `${l.id}: ${l.type}  prog ${l.prog_id}${l.map_id !== null ? `  map_id ${l.map_id}${l.map_name !== null ? ` (${l.map_name})` : ""}` : ""}`);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

/** `cc list` without -j. */
export function formatCc(cc: KernelCc): string {
  const out = [`default: ${cc.default}`, `allowed: ${cc.allowed.join(" ")}`, "available:"];
  out.push(...table(cc.ops.map((o) => [o.name, o.struct_ops_id !== null ? `struct_ops map ${o.struct_ops_id} (${o.struct_ops_map ?? ""})` : "built-in or module"])));
  if (cc.sockets.length > 0) {
    out.push("sockets:");
    // --linux sockets as ss shows them (the socket's name is "<local> <peer>"); scenario flows by name.
    const linux = cc.sockets.some((s) => s.state !== undefined);
    const rows = cc.sockets.map((s) => (linux ? [s.state ?? "", ...s.socket.split(" "), s.cc ?? "-"] : [s.socket, s.cc ?? "-"]));
    if (linux) rows.unshift(["State", "Local Address:Port", "Peer Address:Port", "CC"]);
    out.push(...table(rows));
  }
  return `${out.join("\n")}\n`;
}
