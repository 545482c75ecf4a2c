/**
 * @fileoverview Algorithm values of a sweep axis: `builtin` (every
 * congestion control the base scenario's kernel (its `kernel:` build
 * configuration) registers at boot, read from
 * /proc/sys/net/ipv4/tcp_available_congestion_control as a user would) and
 * `{ bpf: file.bpf.o }` (a clang-built object whose struct_ops map the point
 * loads and attaches at time 0, named by the CA name in the map's own
 * tcp_congestion_ops bytes).
 */
import { basename } from "node:path";
import { BPF_MAP_TYPE_STRUCT_OPS } from "../../uapi/bpf-enums.js";
import { EmulatedKernel } from "../../lib/kernel.js";
import { BpfObject, ObjError } from "../../lib/object.js";
import { availableCongestion, caNameOf } from "../run/kernel-actions.js";
import type { ScenarioKernelConfig } from "../scenario/types.js";

/** The built-in algorithms a kernel of this build configuration (a scenario's `kernel:` section; absent, the model's default) registers, in its order. */
export function builtinAlgorithms(kernel?: ScenarioKernelConfig): string[] {
  const k = new EmulatedKernel({ engine: "interp", seed: 1, ...(kernel !== undefined ? { tcpCong: kernel } : {}) });
  return availableCongestion(k.process("structops-sweep"));
}

/** A BPF object's struct_ops map as an algorithm: its map and CA name. */
export interface BpfAlgorithm {
  readonly map: string;
  readonly caName: string;
}

/**
 * The struct_ops map of an object (the one named, or its only one) and the CA name it registers.
 * @returns the algorithm, or what is wrong
 */
export function bpfAlgorithm(bytes: Uint8Array, file: string, map: string | undefined): BpfAlgorithm | string {
  let obj: BpfObject;
  try {
    obj = BpfObject.open(bytes, { name: basename(file).replace(/(\.bpf)?\.o$/, "") });
  } catch (e) {
    if (!(e instanceof ObjError)) throw e;
    return `${file} is not a BPF object this loader can open: ${e.message}`;
  }
  try {
    const maps = [...obj.maps.values()].filter((m) => m.type === BPF_MAP_TYPE_STRUCT_OPS);
    if (maps.length === 0) return `${file} has no struct_ops map: a congestion control is a SEC(".struct_ops.link") struct tcp_congestion_ops`;
    const m = map === undefined ? (maps.length === 1 ? maps[0] : undefined) : maps.find((x) => x.name === map);
    if (m === undefined) {
      return map === undefined
        ? `${file} has ${maps.length} struct_ops maps (${maps.map((x) => x.name).join(", ")}): name one with map:`
        : `${file} has no struct_ops map '${map}' (it has ${maps.map((x) => x.name).join(", ")})`;
    }
    return { map: m.name, caName: caNameOf(m) };
  } finally {
    obj.close();
  }
}
