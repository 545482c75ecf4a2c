/**
 * @fileoverview Public entry of the `structops` package: the emulated kernel,
 * its processes and bpf(2) API, the real-kernel backend (Linux, optional), the
 * errors, the bytecode toolkit and the UAPI.
 */
export * from "./lib/kernel.js";
export * from "./lib/errors.js";
export * from "./lib/engine.js";
export * as uapi from "./uapi/index.js";
export * as asm from "./asm/index.js";
export * from "./lib/object.js";
export * from "./lib/target.js";
export { LinuxBackend } from "./backend/linux/linux-backend.js";
export type { LinuxBackendOpen, LinuxBackendOptions } from "./backend/linux/linux-backend.js";
export { ObjError, ObjFileError, CoreError, loadCollectionSpec } from "./obj/index.js";
export type { CollectionSpec, MapSpec, ProgramSpec, ExternSpec, StructOpsSpec } from "./obj/index.js";
