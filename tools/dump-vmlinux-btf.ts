/**
 * @fileoverview Writes the model kernel's BTF (what it serves at
 * /sys/kernel/btf/vmlinux) to a file, for bpftool and friends:
 *
 *   npx tsx tools/dump-vmlinux-btf.ts model-vmlinux.btf
 *   bpftool btf dump file model-vmlinux.btf format c > vmlinux.h
 *
 * With `--summary` it also prints a short summary (type count, struct sizes) to
 * stdout. Exit status 2 on a usage error.
 */
import { writeFileSync } from "node:fs";
import { getVmlinuxBtf } from "../src/kernel/btf/vmlinux.js";

const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith("-"));
if (out === undefined || args.includes("-h") || args.includes("--help")) {
  console.error("usage: tsx tools/dump-vmlinux-btf.ts <output.btf> [--summary]");
  process.exit(2);
}
const btf = getVmlinuxBtf();
writeFileSync(out, btf.bytes);
console.log(`dump-vmlinux-btf: wrote ${btf.byteLength} bytes (${btf.nrTypes} types) to ${out}`);
if (args.includes("--summary")) {
  for (const s of ["tcp_congestion_ops", "bpf_struct_ops_tcp_congestion_ops", "sock", "inet_connection_sock", "tcp_sock"]) {
    console.log(`  sizeof(struct ${s}) = ${btf.sizeOf(s)}`);
  }
  for (const r of btf.writableRanges("tcp_sock")) console.log(`  tcp_sock writable [${r.offset}, ${r.offset + r.size})`);
  console.log(`  kfuncs: ${btf.kfuncNames.join(", ")}`);
}
