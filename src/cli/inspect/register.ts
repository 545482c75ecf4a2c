/**
 * @fileoverview Registers the inspection commands in the style of bpftool
 * (tools/bpf/bpftool/main.c: `-j/--json`, `-p/--pretty` on every command):
 * `object show|dump`, `struct_ops list|show|dump`, `link list|show` and
 * `cc list`. Only the commander wiring lives here; the actions are in
 * ./commands.ts, imported when a command runs, so `structops --help` loads
 * none of the loader or kernel code.
 */
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import type * as Commands from "./commands.js";

/** Output options every inspection command takes. */
export interface JsonOpts {
  readonly json?: boolean;
  readonly pretty?: boolean;
}
/** Which kernel a kernel-side command reads. */
export interface KernelOpts extends JsonOpts {
  readonly linux?: boolean;
  readonly fresh?: boolean;
}

const KERNEL_HELP =
  "Reads --linux (this machine's kernel through bpf(2), read-only, like bpftool) or --fresh (a newly booted emulated kernel). " +
  "An emulated kernel lives only inside a scenario run: to inspect one mid-run, add a `snapshot` action to the scenario (docs/scenarios.md).";

function json(c: Command): Command {
  return c.option("-j, --json", "JSON output (schemas/*.json, docs/cli-json.md)").option("-p, --pretty", "indented JSON output (implies --json)");
}

function kernel(c: Command): Command {
  return json(c).option("--linux", "read the running Linux kernel (needs root or CAP_BPF; changes nothing)").option("--fresh", "read a newly booted emulated kernel").addHelpText("after", `\n${KERNEL_HELP}\n`);
}

/** Adds the inspection commands to `p`; `setCode` receives each command's exit status. */
export function registerInspect(p: Command, io: CliIo, setCode: (c: number) => void): void {
  const cmds = (): Promise<typeof Commands> => import("./commands.js");

  const object = p.command("object").description("inspect a BPF object file (.bpf.o): maps, programs, struct_ops, disassembly");
  json(object.command("show").description("sections, maps, programs, struct_ops maps and members, globals, externs, CO-RE relocations").argument("<file>", "BPF object file"))
    .action(async (file: string, o: JsonOpts) => setCode((await cmds()).objectShow(file, o, io)));
  json(object.command("dump").description("disassembly with source lines from .BTF.ext (like bpftool prog dump xlated linum)")
    .argument("<file>", "BPF object file").argument("[prog]", "program name (default: every program)"))
    .action(async (file: string, prog: string | undefined, o: JsonOpts) => setCode((await cmds()).objectDump(file, prog, o, io)));

  const so = p.command("struct_ops").description("struct_ops maps registered in a kernel (like bpftool struct_ops)");
  kernel(so.command("list").description("every struct_ops map: id, name, kernel struct, flags"))
    .action(async (o: KernelOpts) => setCode((await cmds()).structOpsCmd("list", undefined, o, io)));
  kernel(so.command("show").description("struct_ops maps, or the one with this id or name").argument("[map]", "map id or name"))
    .action(async (m: string | undefined, o: KernelOpts) => setCode((await cmds()).structOpsCmd("show", m, o, io)));
  kernel(so.command("dump").description("struct_ops maps with their state and every member's program or value").argument("[map]", "map id or name"))
    .action(async (m: string | undefined, o: KernelOpts) => setCode((await cmds()).structOpsCmd("dump", m, o, io)));

  const link = p.command("link").description("BPF links in a kernel (like bpftool link)");
  kernel(link.command("list").description("every link: id, type, program, struct_ops map"))
    .action(async (o: KernelOpts) => setCode((await cmds()).linkCmd(undefined, o, io)));
  kernel(link.command("show").description("links, or the one with this id").argument("[id]", "link id"))
    .action(async (id: string | undefined, o: KernelOpts) => setCode((await cmds()).linkCmd(id, o, io)));

  const cc = p.command("cc").description("TCP congestion control of a kernel");
  kernel(cc.command("list").description("available, allowed and default congestion controls, and the struct_ops map registering each"))
    .action(async (o: KernelOpts) => setCode((await cmds()).ccCmd(o, io)));
}
