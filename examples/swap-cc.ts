/**
 * @fileoverview Registers a BPF congestion control through a bpf_link, swaps
 * it live with BPF_LINK_UPDATE and detaches it (the kernel series "Transit
 * between BPF TCP congestion controls", Linux 6.4+), through the public API
 * only. The object is test/fixtures/update.linux.bpf.o: ca_update_1 and
 * ca_update_2 both register as "tcp_ca_update"; their `init` counts sockets in
 * the .bss globals ca1_cnt and ca2_cnt, which show which version a socket ran.
 *
 *   npx tsx examples/swap-cc.ts            # on the emulated kernel
 *   sudo npx tsx examples/swap-cc.ts --linux   # on this machine's kernel (root, 6.4+)
 *
 * On Linux it runs in a private network namespace, so the machine's own
 * sockets and default congestion control are not touched.
 */
import { BpfObject, EmulatedKernel, LinuxBackend, uapi } from "../src/index.js";
import type { Backend } from "../src/index.js";

const OBJECT = new URL("../test/fixtures/update.linux.bpf.o", import.meta.url).pathname;

const onLinux = process.argv.includes("--linux");
const linux = onLinux ? LinuxBackend.open() : undefined; // enters a private network namespace
if (linux?.ok === false) {
  console.error(`swap-cc: no Linux backend here: ${linux.reason}`);
  process.exit(2);
}
const kernel: Backend = linux?.ok ? linux.backend : new EmulatedKernel().process();
const obj = BpfObject.open(OBJECT);
obj.load(kernel); // CO-RE against that kernel's own BTF
const counts = (): string => `ca1_cnt=${obj.variable("ca1_cnt").getBigInt()} ca2_cnt=${obj.variable("ca2_cnt").getBigInt()}`;
const registered = (): boolean => kernel.readFile("/proc/sys/net/ipv4/tcp_available_congestion_control").text.split(/\s+/).includes("tcp_ca_update");
function socketOn(cc: string): { fd: number; result: string } {
  const fd = kernel.socket().ret;
  const r = kernel.setCongestion(fd, cc);
  return { fd, result: r.errno === 0 ? "ok" : uapi.errnoName(r.errno) };
}

console.log(`on ${onLinux ? "Linux" : "the emulated kernel"}`);
const link = obj.attachStructOps("ca_update_1");
console.log(`attach ca_update_1 through a link: tcp_ca_update registered=${registered()}`);
const a = socketOn("tcp_ca_update");
console.log(`socket A on tcp_ca_update (${a.result}): ${counts()}  <- A runs version 1`);

link.updateMap(obj.map("ca_update_2"));
const holds = link.info().struct_ops?.map_id === obj.map("ca_update_2").info().id;
console.log(`updateMap(ca_update_2): the link holds ca_update_2=${holds}`);
const b = socketOn("tcp_ca_update");
console.log(`socket B on tcp_ca_update (${b.result}): ${counts()}  <- B runs version 2, A keeps version 1`);

link.detach();
const c = socketOn("tcp_ca_update");
console.log(`detach: registered=${registered()}; socket C on tcp_ca_update: ${c.result}`);
console.log(`sockets A and B still run ${kernel.getCongestion(a.fd).name}, ${kernel.getCongestion(b.fd).name}`);

for (const s of [a, b, c]) kernel.close(s.fd);
link.close();
obj.close();
if (linux?.ok) linux.backend.dispose();
