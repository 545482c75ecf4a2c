/**
 * @fileoverview Loader cost (issue #4): for every committed fixture and both
 * of its builds, the time to open it (ELF, BTF, BTF.ext, the CollectionSpec)
 * and to open and load it into the emulated kernel (BTF_LOAD, maps, CO-RE
 * against the kernel's BTF, relocations, PROG_LOADs), then close it. Also
 * parsing a real kernel's /sys/kernel/btf/vmlinux when this machine has one.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadCollectionSpec } from "../src/obj/collection.js";
import { parseBtf } from "../src/obj/btf/btf.js";
import { BpfObject } from "../src/lib/object.js";
import { EmulatedKernel } from "../src/lib/kernel.js";
import { measure, report, type BenchRow } from "./harness.js";

const dir = new URL("../test/fixtures/", import.meta.url).pathname;
const rows: BenchRow[] = [];
const k = new EmulatedKernel();
const p = k.process();
const objects = readdirSync(dir).filter((f) => f.endsWith(".bpf.o")).sort();

for (const f of objects) {
  const bytes = new Uint8Array(readFileSync(join(dir, f)));
  const open = measure(() => void loadCollectionSpec(bytes), 200);
  rows.push({ case: `open ${f}`, value: open.nsPerOp / 1000, unit: "µs", note: `${bytes.length} bytes` });
  let loads = true;
  try {
    const o = BpfObject.open(bytes);
    o.load(p);
    o.close();
  } catch {
    loads = false; // the negative fixtures (unsupported member, non-GPL) are refused by design
  }
  const load = measure(() => {
    const o = BpfObject.open(bytes);
    try {
      o.load(p);
    } catch {
      // refused: the cost of the attempt is what is measured
    }
    o.close();
  }, 50);
  rows.push({ case: `open+load+close ${f}`, value: load.nsPerOp / 1000, unit: "µs", note: loads ? `${BpfObject.open(bytes).programs.size} programs` : "refused by the kernel" });
}

if (existsSync("/sys/kernel/btf/vmlinux")) {
  const raw = new Uint8Array(readFileSync("/sys/kernel/btf/vmlinux"));
  const t = measure(() => void parseBtf(raw), 2, 3);
  rows.push({ case: "parse /sys/kernel/btf/vmlinux", value: t.nsPerOp / 1e6, unit: "ms", note: `${raw.length} bytes` });
}

report("loader", "Loader: open (ELF + BTF + spec) and open+load+close into the emulated kernel", rows);
