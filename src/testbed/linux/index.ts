/**
 * @fileoverview The Linux testbed's entry (loaded lazily by `structops run
 * --linux`): the run, its network and its programs.
 */
export * from "./run.js";
export { probeLinux, probeQdisc, removeStaleNamespaces, listNetns, NS_PREFIX, FRAME_BYTES, TestbedError, MIN_KERNEL, kernelAtLeast } from "./netns.js";
export type { Probe, BottleneckQdisc, NsNames } from "./netns.js";
export { buildTools } from "./tools.js";
export type { Tools } from "./tools.js";
export type { TcpInfoRow } from "./tcp-info.js";
export { openHostKernel } from "./host.js";
export type { HostKernel } from "./host.js";
