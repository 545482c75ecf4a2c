/**
 * @fileoverview `cc list --linux` lists the TCP sockets of the reader's
 * network namespace with their congestion control, as `ss -ti` does (a
 * NETLINK_SOCK_DIAG dump asking for INET_DIAG_CONG). Inside a private network
 * namespace the test opens a listener on 127.0.0.1, connects a client,
 * moves the client to a built-in algorithm other than reno by
 * setsockopt(TCP_CONGESTION), and requires exactly those three sockets,
 * with their ports, states and algorithms, in the JSON (validated against
 * schemas/cc.json) and in the text output, then 800 more sockets so the
 * dump spans several netlink datagrams. Gated like the other Linux
 * tests; the machine's congestion-control settings must be unchanged after.
 * A last test covers the conversion of a dump (IPv6 naming, a bad family)
 * without a kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LinuxBackend } from "../../src/backend/linux/linux-backend.js";
import { diagSockets } from "../../src/lib/inspect/kernel-snapshot.js";
import type { KernelCc } from "../../src/lib/inspect/kernel-snapshot.js";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { assertSchema } from "../cli/inspect-schemas.js";
import { lockedLinuxGate, readCc } from "./linux-checks.js";

async function run(...argv: string[]): Promise<string> {
  const io = memoryIo();
  const code = await main(argv, io);
  assert.equal(code, 0, `structops ${argv.join(" ")}: ${io.err()}`);
  return io.out();
}

test("cc list --linux shows a listener, a client moved to another algorithm and its peer, with ports and states", async (t) => {
  const { gate, release } = lockedLinuxGate();
  if (gate !== null) {
    release();
    if (gate.skip) return t.skip(`Linux run skipped: ${gate.reason}`);
    assert.fail(`cc list --linux cannot run on a kernel that should support it: ${gate.reason}`);
  }
  const before = readCc();
  const available = before["tcp_available_congestion_control"]?.split(/\s+/) ?? [];
  const algo = ["cubic", "bbr"].find((a) => available.includes(a));
  const opened = LinuxBackend.open();
  assert.ok(opened.ok, opened.ok ? "" : opened.reason);
  const be = opened.backend;
  try {
    assert.ok(algo !== undefined, `neither cubic nor bbr is available here: ${available.join(" ")}`);
    const s = be.socket();
    assert.equal(s.errno, 0, "socket");
    assert.equal(be.setCongestion(s.ret, algo).errno, 0, `TCP_CONGESTION ${algo}`);
    assert.equal(be.getCongestion(s.ret).name, algo);

    const cc = JSON.parse(await run("cc", "list", "--linux", "-j")) as KernelCc;
    assertSchema("cc", cc);
    const listen = cc.sockets.filter((x) => x.state === "LISTEN");
    assert.equal(listen.length, 1, `one listener in the private namespace: ${JSON.stringify(cc.sockets)}`);
    const port = listen[0]?.sport ?? 0;
    assert.ok(port > 0);
    const client = cc.sockets.find((x) => x.state === "ESTABLISHED" && x.dport === port);
    const cport = client?.sport ?? 0;
    const sorted = [...cc.sockets].sort((a, b) => (a.socket < b.socket ? -1 : 1)).map((x) => ({ ...x, inode: (x.inode ?? 0) > 0 }));
    const want = [
      { socket: `127.0.0.1:${cport} 127.0.0.1:${port}`, cc: algo, struct_ops_map: null, family: "inet", state: "ESTABLISHED", src: "127.0.0.1", sport: cport, dst: "127.0.0.1", dport: port, inode: true },
      { socket: `127.0.0.1:${port} 0.0.0.0:0`, cc: "reno", struct_ops_map: null, family: "inet", state: "LISTEN", src: "127.0.0.1", sport: port, dst: "0.0.0.0", dport: 0, inode: true },
      { socket: `127.0.0.1:${port} 127.0.0.1:${cport}`, cc: "reno", struct_ops_map: null, family: "inet", state: "ESTABLISHED", src: "127.0.0.1", sport: port, dst: "127.0.0.1", dport: cport, inode: true },
    ].sort((a, b) => (a.socket < b.socket ? -1 : 1));
    assert.deepEqual(sorted, want, "the client runs the algorithm set on it; the listener and the accepted peer run reno (set on the listener)");

    const text = await run("cc", "list", "--linux");
    assert.match(text, /^sockets:$/m);
    assert.match(text, new RegExp(`^\\tESTABLISHED +127\\.0\\.0\\.1:${cport} +127\\.0\\.0\\.1:${port} +${algo}$`, "m"));
    assert.match(text, new RegExp(`^\\tLISTEN +127\\.0\\.0\\.1:${port} +0\\.0\\.0\\.0:0 +reno$`, "m"));

    // Hundreds of sockets: the dump spans many netlink datagrams (more than one 64 KiB read) before NLMSG_DONE.
    const more: number[] = [];
    for (let i = 0; i < 400; i++) {
      const m = be.socket();
      assert.equal(m.errno, 0, `socket ${i}`);
      more.push(m.ret);
    }
    const many = JSON.parse(await run("cc", "list", "--linux", "-j")) as KernelCc;
    assert.equal(many.sockets.length, 3 + 2 * more.length, "every socket of the multi-part dump, once");
    assert.equal(new Set(many.sockets.map((x) => x.socket)).size, many.sockets.length);
    assert.equal(many.sockets.filter((x) => x.cc === algo).length, 1, "only the one client was moved");
    for (const fd of more) be.close(fd);

    be.close(s.ret);
  } finally {
    be.dispose();
    release();
  }
  assert.deepEqual(readCc(), before, "the machine's congestion-control state is unchanged");
});

test("a sock_diag dump becomes cc list sockets: IPv6 endpoints in brackets, a missing algorithm as null, a bad family an error", () => {
  assert.deepEqual(diagSockets([{ family: 10, state: 6, src: "::1", sport: 80, dst: "::1", dport: 41000, inode: 0, cc: null }]), [
    { socket: "[::1]:80 [::1]:41000", cc: null, struct_ops_map: null, family: "inet6", state: "TIME_WAIT", src: "::1", sport: 80, dst: "::1", dport: 41000, inode: 0 },
  ]);
  assertSchema("cc", { available: [], allowed: [], default: "reno", ops: [], sockets: diagSockets([{ family: 2, state: 10, src: "0.0.0.0", sport: 22, dst: "0.0.0.0", dport: 0, inode: 7, cc: "cubic" }]) });
  assert.throws(() => diagSockets([{ family: 1, state: 1, src: "", sport: 0, dst: "", dport: 0, inode: 0, cc: null }]), /address family 1/);
});
