/**
 * @fileoverview TcpCc.sockAt, the kfuncs' pointer-to-socket step (a kfunc
 * receives only trusted socket pointers, net/ipv4/bpf_tcp_ca.c): it finds the
 * socket of the hook running without a lookup, and is still the kernel's
 * socket table in every other case: another socket's address, an address
 * that is no socket, and the hook's own socket once destroyed (sk_free) or
 * its memory reused by a new socket.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EmulatedKernel } from "../../lib/kernel.js";
import { TcpSock } from "./sock.js";

test("sockAt: the running hook's socket, any other live socket, nothing for a destroyed one or a non-socket address", () => {
  const k = new EmulatedKernel();
  const tcc = k.tcp;
  const a = tcc.socket();
  const b = tcc.socket();
  assert.ok(a instanceof TcpSock && b instanceof TcpSock);
  tcc.frames.enter(a);
  try {
    assert.equal(tcc.sockAt(a.addr), a);
    assert.equal(tcc.sockAt(b.addr), b);
    assert.equal(tcc.sockAt(a.addr + 8), undefined);
    tcc.destroy(a);
    assert.equal(tcc.sockAt(a.addr), undefined, "destroyed while its hook runs");
    // A new socket may take the freed memory: the address is now that socket's.
    const c = tcc.socket();
    assert.ok(c instanceof TcpSock);
    assert.equal(tcc.sockAt(c.addr), c);
    if (c.addr === a.addr) assert.notEqual(tcc.sockAt(a.addr), a);
  } finally {
    tcc.frames.leave();
  }
  assert.equal(tcc.frames.hookSock(), null);
  assert.equal(tcc.sockAt(b.addr), b);
});
