/**
 * @fileoverview The simulator's public entry: the API types, the run
 * function, topology builders, trace formatting and the CC interface a
 * network stack implements.
 */
export * from "./api.js";
export { runSim, Simulation, SimSpecError } from "./run.js";
export { dumbbell } from "./net/topology.js";
export { parseMahimahiTrace, TraceFormatError } from "./net/capacity-trace.js";
export { formatRecord, formatCsvRow, CSV_COLUMNS, jainFairness } from "./trace.js";
export type { TcpCcHost, TcpCcSocket, TcpCaSock, TcpCongestionOps, RateSample, AckSample } from "../uapi/tcp-cc.js";
export { FlowError } from "./tcp/flow.js";
export { ccRefusal, ccUnknown } from "./tcp/cc-refusal.js";
export { Scheduler } from "./scheduler.js";
export type { EventHandler } from "./scheduler.js";
export { Rng } from "./rng.js";
