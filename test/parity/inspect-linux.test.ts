/**
 * @fileoverview The `--linux` inspection commands on the running kernel,
 * against bpftool reading the same objects: the test loads
 * test/fixtures/update.linux.bpf.o through the Linux backend inside a
 * private network namespace, registers ca_update_1 through a struct_ops link
 * (bpf_struct_ops_map_link_attach), then compares
 *
 * - `struct_ops show --linux -j` with `bpftool struct_ops show -j` (id, name,
 *   kernel struct: tools/bpf/bpftool/struct_ops.c),
 * - `link list --linux -j` with `bpftool link show -j` (id, type, prog_id),
 * - `object show -j`'s instruction counts with `bpftool prog show id N -j`'s
 *   bytes_xlated / 8 for every program the link's map holds,
 *
 * and checks `struct_ops dump` (state READY and each member's program id,
 * bpf_struct_ops_map_sys_lookup_elem) and `cc list` (tcp_ca_update registered
 * by ca_update_1). Every output is validated against its schema. A second
 * test takes the same steps on both kernels and requires equal snapshots,
 * IDs aside. It skips
 * with the parity suite's reason without root, BPF or the addon, holds the
 * parity lock, and leaves the machine's congestion-control state and BPF
 * objects as it found them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { BpfObject } from "../../src/lib/object.js";
import { emulatedTarget, hostTarget } from "../../src/lib/target.js";
import type { Target } from "../../src/lib/target.js";
import { EmulatedKernel } from "../../src/lib/kernel.js";
import type { Backend } from "../../src/backend/backend.js";
import { snapshotKernel } from "../../src/lib/inspect/kernel-snapshot.js";
import type { KernelSnapshot } from "../../src/lib/inspect/kernel-snapshot.js";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { assertSchema } from "../cli/inspect-schemas.js";
import { leftovers, lockedLinuxGate, readCc } from "./linux-checks.js";

const UPDATE = fileURLToPath(new URL("../fixtures/update.linux.bpf.o", import.meta.url));

async function cli<T>(...argv: string[]): Promise<T> {
  const io = memoryIo();
  const code = await main([...argv, "-j"], io);
  assert.equal(code, 0, `structops ${argv.join(" ")}: ${io.err()}`);
  return JSON.parse(io.out()) as T;
}

function bpftool<T>(...args: string[]): T | undefined {
  const r = spawnSync("bpftool", [...args, "-j"], { encoding: "utf8" });
  if (r.error !== undefined) return undefined;
  assert.equal(r.status, 0, `bpftool ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

type SoMap = { id: number; name: string; kernel_struct_ops: string; link: boolean; state?: string; members?: { name: string; prog_id: number | null; program: string | null; value: unknown }[] };
type Link = { id: number; type: string; prog_id: number; map_id: number | null; map_name: string | null };

test("struct_ops, link and cc commands --linux read a struct_ops link the test registered, as bpftool does", async (t) => {
  const { gate, release } = lockedLinuxGate();
  if (gate !== null) {
    release();
    if (gate.skip) return t.skip(`Linux run skipped: ${gate.reason}`);
    assert.fail(`the --linux commands cannot run on a kernel that should support them: ${gate.reason}`);
  }
  const before = readCc();
  const created: { kind: "map" | "prog" | "link"; id: number }[] = [];
  const opened = LinuxBackend.open();
  assert.ok(opened.ok, opened.ok ? "" : opened.reason);
  const be = opened.backend;
  try {
    const obj = BpfObject.open(UPDATE);
    obj.load(be, { target: hostTarget() });
    const link = obj.attachStructOps("ca_update_1");
    const mapId = obj.map("ca_update_1").info().id;
    const linkId = link.info().id;
    created.push({ kind: "link", id: linkId }, ...[...obj.maps.values()].filter((m) => m.fd >= 0).map((m) => ({ kind: "map" as const, id: m.info().id })));
    created.push(...[...obj.programs.values()].filter((p) => p.fd >= 0).map((p) => ({ kind: "prog" as const, id: p.info().id })));

    const list = await cli<SoMap[]>("struct_ops", "show", "--linux");
    assertSchema("struct-ops", list);
    const mine = list.find((m) => m.id === mapId);
    assert.deepEqual(mine && [mine.name, mine.kernel_struct_ops, mine.link], ["ca_update_1", "tcp_congestion_ops", true]);
    const tool = bpftool<{ id: number; name: string; kernel_struct_ops: string }[]>("struct_ops", "show");
    if (tool === undefined) t.diagnostic("bpftool is not installed: the comparison with it is skipped");
    else {
      const ours = new Map(list.map((m) => [m.id, [m.name, m.kernel_struct_ops]]));
      for (const b of tool.filter((x) => created.some((c) => c.kind === "map" && c.id === x.id))) assert.deepEqual(ours.get(b.id), [b.name, b.kernel_struct_ops], `map ${b.id}`);
    }

    const [dump] = await cli<SoMap[]>("struct_ops", "dump", "--linux", String(mapId));
    assertSchema("struct-ops", [dump]);
    assert.equal(dump?.state, "BPF_STRUCT_OPS_STATE_READY", "a BPF_F_LINK map held by a link");
    const member = (n: string): NonNullable<SoMap["members"]>[number] | undefined => dump?.members?.find((m) => m.name === n);
    assert.equal(member("name")?.value, "tcp_ca_update");
    assert.equal(member("init")?.program, "ca_update_1_init".slice(0, 15), "the kernel's prog name (BPF_OBJ_NAME_LEN - 1 chars)");
    assert.equal(member("release")?.prog_id, null);

    const links = await cli<Link[]>("link", "show", "--linux", String(linkId));
    assertSchema("link", links);
    assert.deepEqual(links, [{ id: linkId, type: "struct_ops", prog_id: 0, map_id: mapId, map_name: "ca_update_1" }]);
    const toolLinks = bpftool<{ id: number; type: string; prog_id: number }[]>("link", "show");
    const bl = toolLinks?.find((l) => l.id === linkId);
    if (toolLinks !== undefined) assert.deepEqual(bl && [bl.type, bl.prog_id], ["struct_ops", 0]);

    const show = await cli<{ programs: { name: string; insns: number }[] }>("object", "show", UPDATE);
    for (const m of dump?.members ?? []) {
      if (m.prog_id === null) continue;
      const p = bpftool<{ bytes_xlated: number; name: string }>("prog", "show", "id", String(m.prog_id));
      if (p === undefined) break;
      const ours = show.programs.find((x) => x.name.startsWith(p.name));
      assert.equal(ours?.insns, p.bytes_xlated / 8, `${p.name}: object show insns vs bpftool bytes_xlated / 8`);
    }

    const cc = await cli<{ available: string[]; default: string; ops: { name: string; struct_ops_id: number | null; struct_ops_map: string | null }[] }>("cc", "list", "--linux");
    assertSchema("cc", cc);
    assert.ok(cc.available.includes("tcp_ca_update"));
    assert.deepEqual(cc.ops.find((o) => o.name === "tcp_ca_update"), { name: "tcp_ca_update", struct_ops_id: mapId, struct_ops_map: "ca_update_1" });
    assert.ok(cc.ops.filter((o) => o.name !== "tcp_ca_update").every((o) => o.struct_ops_id === null || !created.some((c) => c.id === o.struct_ops_id)));

    link.close();
    obj.close();
  } finally {
    be.dispose();
    release();
  }
  assert.deepEqual(readCc(), before, "the machine's congestion-control state is unchanged");
  assert.deepEqual(await leftovers(created, ["map", "prog", "link"]), [], "the test's BPF objects are gone");
});

/** The snapshot of the test's own objects, with what each kernel numbers its own way (IDs, BTF ids) zeroed. */
function comparable(s: KernelSnapshot): unknown {
  const ours = (name: string | null): boolean => name !== null && name.startsWith("ca_");
  return {
    struct_ops: s.struct_ops.filter((m) => ours(m.name)).map((m) => ({
      ...m, id: 0, btf_vmlinux_value_type_id: 0, members: m.members?.map((x) => ({ ...x, prog_id: x.prog_id === null ? null : 1 })),
    })),
    links: s.links.filter((l) => ours(l.map_name)).map((l) => ({ ...l, id: 0, map_id: 0 })),
    ops: s.cc.ops.filter((o) => o.name === "tcp_ca_update").map((o) => ({ ...o, struct_ops_id: o.struct_ops_id === null ? null : 0 })),
  };
}

/** Load update.linux.bpf.o, register ca_update_1 through a link, put a socket on it, snapshot; then clean up. */
function snapshotAfterAttach(be: Backend, kind: KernelSnapshot["kernel"], target: Target): KernelSnapshot {
  const obj = BpfObject.open(UPDATE);
  try {
    obj.load(be, { target });
    const link = obj.attachStructOps("ca_update_1");
    const s = be.socket().ret;
    assert.equal(be.setCongestion(s, "tcp_ca_update").errno, 0);
    const snap = snapshotKernel(be, kind, () => target.btf, [{ socket: "A", cc: be.getCongestion(s).name, struct_ops_map: null }]);
    be.close(s);
    link.close();
    return snap;
  } finally {
    obj.close();
  }
}

test("a snapshot of the emulated kernel and of Linux after the same steps are equal, IDs aside (the same reads through Backend)", (t) => {
  const { gate, release } = lockedLinuxGate();
  if (gate !== null) {
    release();
    if (gate.skip) return t.skip(`Linux run skipped: ${gate.reason}`);
    assert.fail(`the snapshot cannot run on a kernel that should support it: ${gate.reason}`);
  }
  const before = readCc();
  const opened = LinuxBackend.open();
  assert.ok(opened.ok, opened.ok ? "" : opened.reason);
  let linux: KernelSnapshot;
  try {
    linux = snapshotAfterAttach(opened.backend, "linux", hostTarget());
  } finally {
    opened.backend.dispose();
    release();
  }
  const p = new EmulatedKernel().process();
  const model = snapshotAfterAttach(p, "emulated", emulatedTarget());
  p.exit();
  for (const s of [linux, model]) assertSchema("snapshot", s);
  assert.deepEqual(linux.cc.sockets, [{ socket: "A", cc: "tcp_ca_update", struct_ops_map: null }]);
  const c = comparable(linux) as { struct_ops: { name: string }[]; links: unknown[]; ops: unknown[] };
  assert.ok(c.struct_ops.some((m) => m.name === "ca_update_1") && c.links.length === 1 && c.ops.length === 1, "the comparison covers the test's map, link and name");
  assert.deepEqual(c, comparable(model));
  assert.equal(model.struct_ops.find((m) => m.name === "ca_update_1")?.state, "BPF_STRUCT_OPS_STATE_READY");
  assert.deepEqual(readCc(), before, "the machine's congestion-control state is unchanged");
});
