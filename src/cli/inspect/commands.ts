/**
 * @fileoverview The actions of the inspection commands (registered in
 * ./register.ts): read the object file or the kernel through src/lib/inspect,
 * then print JSON (`-j`, `-p`) or bpftool-style plain text (./format.ts).
 * Bad input (a missing file, not an ELF object, an unknown program, map or
 * link) is one line on stderr naming the file or the id, and exit status 1.
 */
import { basename } from "node:path";
import { BpfError } from "../../lib/errors.js";
import { describeObject } from "../../lib/inspect/object-info.js";
import { dumpProgram, formatProgramDump, loadCollectionSpecFile } from "../../lib/inspect/object-dump.js";
import { openInspectKernel } from "../../lib/inspect/kernels.js";
import type { InspectKernel } from "../../lib/inspect/kernels.js";
import { listCc, listLinks, listStructOps } from "../../lib/inspect/kernel-snapshot.js";
import type { CliIo } from "../io.js";
import { readBoundedFile } from "../bounded-read.js";
import { MAX_OBJECT_BYTES } from "../scenario/limits.js";
import type { JsonOpts, KernelOpts } from "./register.js";
import { formatCc, formatLinks, formatObject, formatStructOps } from "./format.js";

function emit(io: CliIo, o: JsonOpts, value: unknown, text: () => string): void {
  if (o.json === true || o.pretty === true) io.stdout(`${JSON.stringify(value, null, o.pretty === true ? 2 : undefined)}\n`);
  else io.stdout(text());
}

function fail(io: CliIo, msg: string): number {
  io.stderr(`structops: ${msg}\n`);
  return 1;
}

/** The object's bytes, or a one-line reason (the CLI's one bounded reader: regular files only, size-capped). */
function readObject(file: string): Uint8Array | string {
  try {
    return new Uint8Array(readBoundedFile(file, { what: "BPF object", maxBytes: MAX_OBJECT_BYTES }));
  } catch (e) {
    return (e as Error).message;
  }
}

const objName = (file: string): string => basename(file).replace(/\.bpf\.o$|\.o$/, "");
const notObject = (file: string, e: unknown): string => `${file} is not a BPF object this loader can open: ${(e as Error).message}`;

/** `object show FILE`. */
export function objectShow(file: string, o: JsonOpts, io: CliIo): number {
  const bytes = readObject(file);
  if (typeof bytes === "string") return fail(io, bytes);
  let info;
  try {
    info = describeObject(bytes, file, objName(file));
  } catch (e) {
    return fail(io, notObject(file, e));
  }
  emit(io, o, info, () => formatObject(info));
  return 0;
}

/** `object dump FILE [PROG]`. */
export function objectDump(file: string, prog: string | undefined, o: JsonOpts, io: CliIo): number {
  const bytes = readObject(file);
  if (typeof bytes === "string") return fail(io, bytes);
  let spec;
  try {
    spec = loadCollectionSpecFile(bytes, objName(file));
  } catch (e) {
    return fail(io, notObject(file, e));
  }
  const all = [...spec.programs.values()];
  const chosen = prog === undefined ? all : all.filter((p) => p.name === prog);
  if (chosen.length === 0) {
    const names = all.map((p) => p.name);
    return fail(io, prog === undefined ? `${file} has no programs` : `${file} has no program '${prog}' (programs: ${names.length > 0 ? names.join(", ") : "none"})`);
  }
  emit(io, o, chosen.map((p) => dumpProgram(spec, p)), () => chosen.map((p) => formatProgramDump(spec, p)).join("\n"));
  return 0;
}

/** Runs `f` on the kernel the options choose; a refused bpf(2) call is one line and status 1. */
function onKernel(cmd: string, o: KernelOpts, io: CliIo, f: (k: InspectKernel) => number): number {
  if (o.linux === true && o.fresh === true) return fail(io, `${cmd}: choose one of --linux and --fresh`);
  if (o.linux !== true && o.fresh !== true) {
    return fail(io, `${cmd}: there is no live emulated kernel outside a scenario run: pass --linux for this machine's kernel, --fresh for a newly booted emulated kernel, or add a 'snapshot' action to a scenario`);
  }
  const opened = openInspectKernel(o.linux === true ? "linux" : "fresh");
  if (!opened.ok) return fail(io, `${cmd} --linux: ${opened.reason}`);
  try {
    return f(opened.kernel);
  } catch (e) {
    if (e instanceof BpfError) return fail(io, `${cmd}: ${e.message}${e.errno === 1 ? " (needs root or CAP_BPF)" : ""}`);
    if (e instanceof Error && /^cannot (read|list) |^sock_diag /.test(e.message)) return fail(io, `${cmd}: ${e.message}`);
    throw e;
  } finally {
    opened.kernel.dispose();
  }
}

/** `struct_ops list|show|dump [MAP]`. */
export function structOpsCmd(sub: "list" | "show" | "dump", which: string | undefined, o: KernelOpts, io: CliIo): number {
  return onKernel(`struct_ops ${sub}`, o, io, (k) => {
    const all = listStructOps(k.backend, k.btf, { dump: sub === "dump" });
    const maps = which === undefined ? all : all.filter((m) => String(m.id) === which || m.name === which);
    if (which !== undefined && maps.length === 0) {
      return fail(io, `struct_ops ${sub}: no struct_ops map '${which}' (${all.length > 0 ? `maps: ${all.map((m) => `${m.id} ${m.name}`).join(", ")}` : "there are none"})`);
    }
    emit(io, o, maps, () => formatStructOps(maps));
    return 0;
  });
}

/** `link list` / `link show [ID]`. */
export function linkCmd(id: string | undefined, o: KernelOpts, io: CliIo): number {
  return onKernel(`link ${id === undefined ? "list" : "show"}`, o, io, (k) => {
    const all = listLinks(k.backend);
    const links = id === undefined ? all : all.filter((l) => String(l.id) === id);
    if (id !== undefined && links.length === 0) return fail(io, `link show: no link with id '${id}' (${all.length > 0 ? `links: ${all.map((l) => l.id).join(", ")}` : "there are none"})`);
    emit(io, o, links, () => formatLinks(links));
    return 0;
  });
}

/** `cc list`. */
export function ccCmd(o: KernelOpts, io: CliIo): number {
  return onKernel("cc list", o, io, (k) => {
    const cc = listCc(k.backend, listStructOps(k.backend, k.btf, { dump: true }), listLinks(k.backend), k.sockets());
    emit(io, o, cc, () => formatCc(cc));
    return 0;
  });
}
