/**
 * @fileoverview No silent faults (issue 19 item 4): a struct_ops program that
 * faults during `structops run` is reported, per program with its count and
 * its first fault's instruction, on the terminal and in the report, and the
 * run exits non-zero; the library's EmulatedKernel.progFaults() gives the
 * count. The program is test/fixtures/fault.bpf.c, whose cong_avoid
 * dereferences an unchecked bpf_map_lookup_elem result (NULL for its key),
 * which the model's verifier does not catch (kernel/bpf/core.c: a BPF
 * program's run ends at the fault; the model logs it like a kernel warning).
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { RUN_FAULTED_EXIT } from "../../src/cli/run.js";
import { memoryIo } from "../../src/cli/io.js";

const SCENARIO = `name: faulty
seed: 1
duration: 1s
topology:
  bottleneck: { rate: 10mbit, delay: 5ms, queue: { kind: droptail, packets: 30 } }
objects:
  - { name: f, path: fault.model.bpf.o }
flows:
  - { id: a, algorithm: fx_fault, start: 10ms }
actions:
  - { at: 0s, do: attach, map: f, link: l }
outputs: { sample: 10ms }
`;

test("structops run: a program that faults makes the run exit non-zero, naming the program, its first faulting instruction and the count", async () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-faults-"));
  try {
    copyFileSync(join(import.meta.dirname, "..", "fixtures", "fault.model.bpf.o"), join(dir, "fault.model.bpf.o"));
    const file = join(dir, "faulty.yaml");
    writeFileSync(file, SCENARIO);
    const io = memoryIo();
    const out = join(dir, "out");
    const code = await main(["run", file, "--out", out, "--engine", "interp"], io);
    assert.equal(code, RUN_FAULTED_EXIT, io.err());
    assert.notEqual(code, 0);
    // The cong_avoid program (prog_name truncated to 15 bytes as BPF_OBJ_NAME_LEN-1) faults on every call; the others never.
    const line = /prog "(fx_fault_cong_a\w*)" \(id \d+\): (\d+) faults \(0 runs completed\); first at insn (\d+): invalid read of 8 bytes at 0x0000000000000000 \(insn \3: r1 = \*\(u64 \*\)\(r0 \+ 0\)\)/;
    const err = line.exec(io.err());
    assert.ok(err !== null, `stderr names the program, the instruction and the count:\n${io.err()}`);
    assert.ok(Number(err[2]) > 10, "cong_avoid runs on many ACKs, each one faults");
    assert.doesNotMatch(io.err(), /fx_fault_ssthre|fx_fault_undo_c/);
    assert.match(io.out(), /program faults \(each fault ended that run and the hook saw 0\):\n {2}prog "fx_fault_cong_a/);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, /<h2>Program faults<\/h2>/);
    assert.ok(html.includes(`${err[2]} faults`), "the report shows the same count");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
