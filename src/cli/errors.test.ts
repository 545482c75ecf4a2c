/**
 * @fileoverview Tests for errors.ts: a user error is one line without a
 * stack; anything else is reported as a bug, with its stack and the request
 * to report it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BpfError } from "../lib/errors.js";
import { ObjError, ObjFileError } from "../lib/object.js";
import { ENOENT } from "../uapi/errno.js";
import { BUG_REPORT, describeFailure } from "./errors.js";
import { InputFileError } from "./bounded-read.js";
import { main } from "./main.js";
import { memoryIo } from "./io.js";
import { OutputPathError } from "./out-dir.js";
import { ScenarioError } from "./scenario/errors.js";

const STACK_LINE = /^\s+at /m;

test("user errors are one line, `structops: <message>`, with no stack", () => {
  const cases: [unknown, string][] = [
    [new BpfError("BPF_MAP_UPDATE_ELEM", 22, "attach struct_ops map 'x': update element", { detail: "why" }), "structops: attach struct_ops map 'x': update element: EINVAL (22): why"],
    [new ObjFileError("/x/a.bpf.o", ENOENT, "ENOENT (2)"), "structops: cannot read BPF object /x/a.bpf.o: ENOENT (2)"],
    [new ObjError("bad magic", "ELF header", 0).inFile("/x/a.bpf.o"), "structops: /x/a.bpf.o: ELF header @0: bad magic"],
    [new OutputPathError("out", 17, "it exists and is not a directory"), "structops: cannot write output to out: EEXIST (17): it exists and is not a directory"],
    [new ScenarioError("s.yaml", [{ path: "flows[0].start", line: 3, col: 5, message: "bad" }]), "structops: s.yaml:3:5: flows[0].start: bad"],
    [new InputFileError("cannot read sweep file s.yaml: ENOENT (2)", "s.yaml", "ENOENT"), "structops: cannot read sweep file s.yaml: ENOENT (2)"],
    [Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", path: "/o/flows.csv", syscall: "write" }), "structops: cannot write /o/flows.csv: ENOSPC (28)"],
  ];
  for (const [e, line] of cases) {
    const d = describeFailure(e);
    assert.equal(d, line);
    assert.doesNotMatch(d, STACK_LINE);
  }
});

test("structops sweep of a missing file says so in one line, status 1", async () => {
  const io = memoryIo();
  assert.equal(await main(["sweep", "/no/such/sweep.yaml", "--no-progress"], io), 1);
  assert.equal(io.err(), "structops: cannot read sweep file /no/such/sweep.yaml: ENOENT (2)\n");
});

test("a bug (any other exception) shows its stack and asks for a report", () => {
  const e = new Error("x is undefined");
  const d = describeFailure(e);
  assert.match(d, /^structops: internal error: Error: x is undefined\n\s+at /);
  assert.ok(d.endsWith(`\n${BUG_REPORT}`));
  // The engine's TypeErrors and RangeErrors are bugs too, never mistaken for a user's mistake.
  assert.match(describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')")), /^structops: internal error: TypeError: .*\n\s+at /);
  assert.match(describeFailure(new RangeError("Maximum call stack size exceeded")), /^structops: internal error: RangeError: .*\n\s+at /);
  assert.match(describeFailure("thrown string"), /^structops: internal error: thrown string\nthis is a bug in structops/);
});
