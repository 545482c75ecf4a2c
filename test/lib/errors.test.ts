/**
 * @fileoverview Errors of the user API a user can act on, on the emulated
 * kernel: an object file that cannot be read (missing, a directory, a FIFO,
 * not ELF) names the path and the errno and is never a raw fs exception; an
 * unknown map, program or struct_ops map lists what the object has; a
 * struct_ops map the kernel refuses to register (tcp_validate_congestion_control,
 * net/ipv4/tcp_cong.c: bare EINVAL) names the required members it lacks; a
 * program the verifier refuses carries the verifier's reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EINVAL, EISDIR, ENOENT } from "../../src/uapi/errno.js";
import { BPF_PROG_LOAD } from "../../src/uapi/bpf-enums.js";
import { BpfError } from "../../src/lib/errors.js";
import { BpfObject, ObjError, ObjFileError } from "../../src/lib/object.js";
import { FIXTURES } from "../obj/helpers.js";
import { loadFixture, openFixture, teardown } from "./helpers.js";

/** The error `f` throws (it must throw). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("did not throw");
}

test("BpfObject.open of a path that cannot be read: ObjFileError naming the path and the errno", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-errors-"));
  try {
    const missing = join(dir, "nope.bpf.o");
    const e1 = thrown(() => BpfObject.open(missing));
    assert.ok(e1 instanceof ObjFileError && e1 instanceof ObjError);
    assert.equal(e1.errno, ENOENT);
    assert.equal(e1.file, missing);
    assert.equal(e1.message, `cannot read BPF object ${missing}: ENOENT (2)`);
    const e2 = thrown(() => BpfObject.open(dir));
    assert.ok(e2 instanceof ObjFileError);
    assert.equal(e2.errno, EISDIR);
    assert.equal(e2.message, `cannot read BPF object ${dir}: EISDIR (21): it is a directory`);
    // A FIFO would block a plain read forever: it is refused before opening.
    const fifo = join(dir, "fifo.o");
    execFileSync("mkfifo", [fifo]);
    assert.equal((thrown(() => BpfObject.open(fifo)) as Error).message, `cannot read BPF object ${fifo}: EINVAL (22): not a regular file`);
    const through = join(missing, "x.o");
    writeFileSync(missing, "");
    assert.equal((thrown(() => BpfObject.open(through)) as Error).message, `cannot read BPF object ${through}: ENOTDIR (20)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a malformed object's ObjError names the file, the section and the offset", () => {
  const dir = mkdtempSync(join(tmpdir(), "structops-errors-"));
  try {
    const junk = join(dir, "junk.bpf.o");
    writeFileSync(junk, "\x7fELF but nothing else of an ELF file, padded to the header size: ..............");
    const e = thrown(() => BpfObject.open(junk));
    assert.ok(e instanceof ObjError && !(e instanceof ObjFileError));
    assert.equal(e.file, junk);
    assert.equal(e.section, "ELF header");
    assert.ok(e.message.startsWith(`${junk}: ELF header @`), e.message);
    // From bytes there is no file to name.
    const b = thrown(() => BpfObject.open(new TextEncoder().encode("text")));
    assert.ok(b instanceof ObjError);
    assert.equal(b.file, "");
    assert.ok(b.message.startsWith("ELF header @0: "), b.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unknown map, program and struct_ops map names list what the object has", () => {
  const env = openFixture("update", "model");
  const m = thrown(() => env.obj.map("nope"));
  assert.ok(m instanceof BpfError && m.errno === ENOENT);
  assert.equal(m.message, `find map 'nope': ENOENT (2): object 'update' has no map 'nope'; available maps: ${[...env.obj.maps.keys()].join(" ")}`);
  assert.match(m.message, /available maps: .*ca_update_1 ca_update_2 ca_wrong ca_no_link/);
  const p = thrown(() => env.obj.program("nope"));
  assert.ok(p instanceof BpfError && p.errno === ENOENT);
  assert.equal(p.message, `find program 'nope': ENOENT (2): object 'update' has no program 'nope'; available programs: ${[...env.obj.programs.keys()].join(" ")}`);
  env.obj.load(env.p);
  const a = thrown(() => env.obj.attachStructOps("ca_update_3"));
  assert.ok(a instanceof BpfError && a.errno === ENOENT);
  assert.equal(a.message, "attach struct_ops map 'ca_update_3': ENOENT (2): object 'update' has no map 'ca_update_3'; available struct_ops maps: ca_update_1 ca_update_2 ca_wrong ca_no_link");
  teardown(env);
});

test("attach of a map lacking required ops: the kernel's bare EINVAL comes with the members the map lacks (tcp_validate_congestion_control)", () => {
  const env = loadFixture("incompl", "model");
  const e = thrown(() => env.obj.attachStructOps("fx_incompl"));
  assert.ok(e instanceof BpfError && e.errno === EINVAL && e.cmd === "BPF_MAP_UPDATE_ELEM");
  assert.equal(e.detail, "struct tcp_congestion_ops requires cong_avoid or cong_control; the map does not set it");
  assert.equal(e.message, "attach struct_ops map 'fx_incompl': update element: EINVAL (22): struct tcp_congestion_ops requires cong_avoid or cong_control; the map does not set it");
  // The model's own record of the refusal agrees (tcp_validate_congestion_control's pr_err).
  assert.match(env.k.kernel.dmesg.format(), /TCP: fx_incompl does not implement required ops/, "tcp_validate_congestion_control logs with tcp_cong.c's \"TCP: \" prefix, as on Linux 6.18");
  teardown(env);
});

test("a program the verifier refuses: the error carries the verifier's last lines", () => {
  const env = openFixture("nogpl", "model");
  const e = thrown(() => env.obj.load(env.p));
  assert.ok(e instanceof BpfError && e.errno === EINVAL && e.cmd === "BPF_PROG_LOAD");
  assert.match(e.detail, /^verifier: .*GPL/);
  assert.ok(e.message.endsWith(`: EINVAL (22): ${e.detail}`), e.message);
  teardown(env);
});

test("with a log requested at load, a refused program's error carries that log's reason (no second load replaces it)", () => {
  const env = openFixture("nogpl", "model");
  // Counts BPF_PROG_LOAD calls: with a log requested, the refused load is not repeated.
  let loads = 0;
  const counting = new Proxy(env.p, {
    get(target, key, recv) {
      const v = Reflect.get(target, key, recv) as unknown;
      if (key !== "bpf" || typeof v !== "function") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return (cmd: number, attr: unknown) => {
        if (cmd === BPF_PROG_LOAD) loads++;
        return (v as (c: number, a: unknown) => unknown).call(target, cmd, attr);
      };
    },
  });
  const e = thrown(() => env.obj.load(counting, { logLevel: 2 }));
  assert.equal(loads, 1, "one BPF_PROG_LOAD, with the requested log");
  assert.ok(e instanceof BpfError && e.errno === EINVAL);
  const prog = [...env.obj.programs.values()].find((p) => p.log !== "");
  assert.ok(prog !== undefined, "the requested log is kept on the program");
  assert.equal(e.detail, `verifier: ${prog.log.trim().split("\n").slice(-2).join("; ")}`);
  assert.match(e.detail, /GPL/);
  teardown(env);
});

test("a BpfObject keeps the file it was opened from (named by load-time ObjErrors); ObjError.inFile names a file once", () => {
  const file = join(FIXTURES, "update.model.bpf.o");
  const obj = BpfObject.open(file);
  assert.equal(obj.file, file);
  const e = new ObjError("x", "struct_ops", 4).inFile(obj.file);
  assert.equal(e.message, `${file}: struct_ops @4: x`);
  assert.equal(e.inFile("/other").message, `${file}: struct_ops @4: x`, "the first file stays");
});
