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
 * by ca_update_1). Every output is validated against its schema. It skips
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
import { hostTarget } from "../../src/lib/target.js";
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
  assert.deepEqual(await leftovers(created, ["map", "prog", "link"], 5000), [], "the test's BPF objects are gone");
});
