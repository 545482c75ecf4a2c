/**
 * @fileoverview Invariants of the socket calls and namespaces under random
 * sequences (net/tcp-cc/socket-calls.ts, kernel/netns.ts): every call
 * returns 0, an fd or an errno (never throws); a namespace's port table only
 * holds live sockets of that namespace bound to that port; every connected
 * socket's peer points back at it; and after exit nothing is left: no
 * socket, no kernel memory, no map reference (KERNEL-SPEC.md §7.4: each
 * socket's hold on its CA, each namespace's hold on its default).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ModelProcess } from "../../src/backend/model-process.js";
import { TcpSock } from "../../src/net/tcp-cc/sock.js";
import { boot } from "./harness.js";

type Op =
  | { op: "socket" } | { op: "connected" } | { op: "bind"; fd: number; port: number } | { op: "listen"; fd: number }
  | { op: "connect"; fd: number; port: number } | { op: "accept"; fd: number } | { op: "close"; fd: number }
  | { op: "unshare" } | { op: "openNetns" } | { op: "setns"; fd: number } | { op: "setCc"; fd: number; cc: string }
  | { op: "default"; cc: string };

const FD = fc.nat({ max: 12 });
const PORT = fc.constantFrom(0, 7000, 7001);
const CC = fc.constantFrom("reno", "cubic", "nosuch");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: "socket" as const }),
  fc.constant({ op: "connected" as const }),
  fc.record({ op: fc.constant("bind" as const), fd: FD, port: PORT }),
  fc.record({ op: fc.constant("listen" as const), fd: FD }),
  fc.record({ op: fc.constant("connect" as const), fd: FD, port: PORT }),
  fc.record({ op: fc.constant("accept" as const), fd: FD }),
  fc.record({ op: fc.constant("close" as const), fd: FD }),
  fc.constant({ op: "unshare" as const }),
  fc.constant({ op: "openNetns" as const }),
  fc.record({ op: fc.constant("setns" as const), fd: FD }),
  fc.record({ op: fc.constant("setCc" as const), fd: FD, cc: CC }),
  fc.record({ op: fc.constant("default" as const), cc: CC }),
);

function step(p: ModelProcess, o: Op): number {
  switch (o.op) {
    case "socket": return p.tcpSocket().errno;
    case "connected": return p.socket().errno;
    case "bind": return p.bind(o.fd, o.port).errno;
    case "listen": return p.listen(o.fd, 4).errno;
    case "connect": return p.connect(o.fd, o.port).errno;
    case "accept": return p.accept(o.fd).errno;
    case "close": return p.close(o.fd).errno;
    case "unshare": return p.unshareNet().errno;
    case "openNetns": return p.openNetns().errno;
    case "setns": return p.setNetns(o.fd).errno;
    case "setCc": return p.setCongestion(o.fd, o.cc).errno;
    case "default": return p.writeFile("/proc/sys/net/ipv4/tcp_congestion_control", o.cc).errno;
  }
}

test("socket calls and namespaces: ports, peers and references stay consistent; exit leaves nothing", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
      const env = boot();
      const results: number[] = [];
      for (const o of ops) {
        results.push(step(env.p, o));
        for (const net of env.kernel.netns.all()) {
          for (const [port, sk] of env.tcp.pernet(net).ports) {
            assert.ok(!sk.closed && sk.port === port && sk.net === net, `port ${port} of netns ${net.inum}`);
          }
        }
        for (const sk of env.tcp.sockets) {
          assert.ok(sk instanceof TcpSock && !sk.closed);
          if (sk.peer !== null) assert.equal(sk.peer.peer, sk, "peers point at each other");
        }
      }
      env.p.exit();
      env.kernel.settle();
      assert.deepEqual(env.kernel.leaks(), [], `after ${JSON.stringify(ops)} → ${results.join(",")}`);
      assert.equal(env.kernel.netns.all().length, 1, "only init_net survives");
    }),
    { numRuns: 150 },
  );
});
