/**
 * @fileoverview Encode an attr object into the bytes of `union bpf_attr` for a
 * bpf(2) command, and decode those bytes back (include/uapi/linux/bpf.h,
 * Linux 6.18 layout).
 *
 * Users and tests call bpf(2) with attr objects keyed by kernel field names;
 * the encoder produces exactly the bytes a C caller would pass, so the same
 * attr drives the emulated kernel and, later, the real one. Pointer fields
 * take a Uint8Array (mapped to a user address by the caller's `ptr()`), a raw
 * bigint address, or null/undefined for NULL. `license` and `pathname` also
 * take a string, encoded NUL-terminated (UTF-8) into a fresh buffer first.
 * `map_name` / `prog_name` take a string of at most 15 bytes (or raw bytes).
 * The decoder, used by the kernel side, returns every field with pointers as
 * bigint addresses and inline names as raw bytes.
 *
 * Invariant: decodeAttr(cmd, encodeAttr(cmd, x)) gives back x's values, with
 * absent fields as zero.
 */
import {
  BTF_LOAD_ATTR,
  BPF_ATTR_SIZE,
  GET_ID_ATTR,
  INFO_ATTR,
  LINK_CREATE_ATTR,
  LINK_DETACH_ATTR,
  ITER_CREATE_ATTR,
  LINK_UPDATE_ATTR,
  MAP_CREATE_ATTR,
  MAP_ELEM_ATTR,
  OBJ_ATTR,
  PROG_LOAD_ATTR,
  PROG_TEST_RUN_ATTR,
} from "./attr-layout.js";
import {
  BPF_BTF_GET_FD_BY_ID,
  BPF_BTF_GET_NEXT_ID,
  BPF_BTF_LOAD,
  BPF_CMD_NAMES,
  BPF_LINK_CREATE,
  BPF_LINK_DETACH,
  BPF_ITER_CREATE,
  BPF_LINK_GET_FD_BY_ID,
  BPF_LINK_GET_NEXT_ID,
  BPF_LINK_UPDATE,
  BPF_MAP_CREATE,
  BPF_MAP_DELETE_ELEM,
  BPF_MAP_FREEZE,
  BPF_MAP_GET_FD_BY_ID,
  BPF_MAP_GET_NEXT_ID,
  BPF_MAP_GET_NEXT_KEY,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_UPDATE_ELEM,
  BPF_OBJ_GET,
  BPF_OBJ_GET_INFO_BY_FD,
  BPF_OBJ_PIN,
  BPF_PROG_GET_FD_BY_ID,
  BPF_PROG_GET_NEXT_ID,
  BPF_PROG_LOAD,
  BPF_PROG_TEST_RUN,
} from "./bpf-enums.js";
import { decodeStruct, encodeStruct } from "./layout.js";
import type { PtrFn, StructInput, StructLayout, StructOutput } from "./layout.js";

/** bpf_cmd value → the `union bpf_attr` member layout that command reads. */
export const ATTR_LAYOUT_BY_CMD = {
  [BPF_MAP_CREATE]: MAP_CREATE_ATTR,
  [BPF_MAP_LOOKUP_ELEM]: MAP_ELEM_ATTR,
  [BPF_MAP_UPDATE_ELEM]: MAP_ELEM_ATTR,
  [BPF_MAP_DELETE_ELEM]: MAP_ELEM_ATTR,
  [BPF_MAP_GET_NEXT_KEY]: MAP_ELEM_ATTR,
  [BPF_MAP_LOOKUP_AND_DELETE_ELEM]: MAP_ELEM_ATTR,
  [BPF_MAP_FREEZE]: MAP_ELEM_ATTR,
  [BPF_PROG_LOAD]: PROG_LOAD_ATTR,
  [BPF_OBJ_PIN]: OBJ_ATTR,
  [BPF_OBJ_GET]: OBJ_ATTR,
  [BPF_PROG_TEST_RUN]: PROG_TEST_RUN_ATTR,
  [BPF_PROG_GET_NEXT_ID]: GET_ID_ATTR,
  [BPF_MAP_GET_NEXT_ID]: GET_ID_ATTR,
  [BPF_BTF_GET_NEXT_ID]: GET_ID_ATTR,
  [BPF_LINK_GET_NEXT_ID]: GET_ID_ATTR,
  [BPF_PROG_GET_FD_BY_ID]: GET_ID_ATTR,
  [BPF_MAP_GET_FD_BY_ID]: GET_ID_ATTR,
  [BPF_BTF_GET_FD_BY_ID]: GET_ID_ATTR,
  [BPF_LINK_GET_FD_BY_ID]: GET_ID_ATTR,
  [BPF_OBJ_GET_INFO_BY_FD]: INFO_ATTR,
  [BPF_BTF_LOAD]: BTF_LOAD_ATTR,
  [BPF_LINK_CREATE]: LINK_CREATE_ATTR,
  [BPF_LINK_UPDATE]: LINK_UPDATE_ATTR,
  [BPF_LINK_DETACH]: LINK_DETACH_ATTR,
  [BPF_ITER_CREATE]: ITER_CREATE_ATTR,
} as const;

type LayoutByCmd = typeof ATTR_LAYOUT_BY_CMD;

/** A bpf_cmd value this module can encode and decode. */
export type AttrCmd = keyof LayoutByCmd;

/** The attr object {@link encodeAttr} accepts for command `C`. */
export type AttrInputOf<C extends AttrCmd> = StructInput<LayoutByCmd[C]>;

/** The object {@link decodeAttr} returns for command `C`. */
export type AttrOutputOf<C extends AttrCmd> = StructOutput<LayoutByCmd[C]>;

/** BPF_MAP_CREATE attr object. */
export type MapCreateAttr = StructInput<typeof MAP_CREATE_ATTR>;
/** BPF_MAP_CREATE attr as decoded by the kernel side. */
export type MapCreateAttrDecoded = StructOutput<typeof MAP_CREATE_ATTR>;
/** Map element commands (LOOKUP/UPDATE/DELETE/GET_NEXT_KEY/LOOKUP_AND_DELETE/FREEZE) attr object. */
export type MapElemAttr = StructInput<typeof MAP_ELEM_ATTR>;
/** Map element attr as decoded. */
export type MapElemAttrDecoded = StructOutput<typeof MAP_ELEM_ATTR>;
/** BPF_PROG_LOAD attr object. */
export type ProgLoadAttr = StructInput<typeof PROG_LOAD_ATTR>;
/** BPF_PROG_LOAD attr as decoded. */
export type ProgLoadAttrDecoded = StructOutput<typeof PROG_LOAD_ATTR>;
/** BPF_OBJ_PIN / BPF_OBJ_GET attr object. */
export type ObjAttr = StructInput<typeof OBJ_ATTR>;
/** BPF_OBJ_PIN / BPF_OBJ_GET attr as decoded. */
export type ObjAttrDecoded = StructOutput<typeof OBJ_ATTR>;
/** *_GET_NEXT_ID / *_GET_FD_BY_ID attr object. */
export type GetIdAttr = StructInput<typeof GET_ID_ATTR>;
/** *_GET_NEXT_ID / *_GET_FD_BY_ID attr as decoded. */
export type GetIdAttrDecoded = StructOutput<typeof GET_ID_ATTR>;
/** BPF_OBJ_GET_INFO_BY_FD attr object (member `info`). */
export type InfoAttr = StructInput<typeof INFO_ATTR>;
/** BPF_OBJ_GET_INFO_BY_FD attr as decoded. */
export type InfoAttrDecoded = StructOutput<typeof INFO_ATTR>;
/** BPF_BTF_LOAD attr object. */
export type BtfLoadAttr = StructInput<typeof BTF_LOAD_ATTR>;
/** BPF_BTF_LOAD attr as decoded. */
export type BtfLoadAttrDecoded = StructOutput<typeof BTF_LOAD_ATTR>;
/** BPF_LINK_CREATE attr object (member `link_create`). */
export type LinkCreateAttr = StructInput<typeof LINK_CREATE_ATTR>;
/** BPF_LINK_CREATE attr as decoded. */
export type LinkCreateAttrDecoded = StructOutput<typeof LINK_CREATE_ATTR>;
/** BPF_LINK_UPDATE attr object (member `link_update`). */
export type LinkUpdateAttr = StructInput<typeof LINK_UPDATE_ATTR>;
/** BPF_LINK_UPDATE attr as decoded. */
export type LinkUpdateAttrDecoded = StructOutput<typeof LINK_UPDATE_ATTR>;
/** BPF_LINK_DETACH attr object (member `link_detach`). */
export type LinkDetachAttr = StructInput<typeof LINK_DETACH_ATTR>;
/** BPF_ITER_CREATE attr object (member `iter_create`). */
export type IterCreateAttr = StructInput<typeof ITER_CREATE_ATTR>;
/** BPF_LINK_DETACH attr as decoded. */
export type LinkDetachAttrDecoded = StructOutput<typeof LINK_DETACH_ATTR>;
/** BPF_PROG_TEST_RUN attr object (member `test`). */
export type ProgTestRunAttr = StructInput<typeof PROG_TEST_RUN_ATTR>;
/** BPF_PROG_TEST_RUN attr as decoded. */
export type ProgTestRunAttrDecoded = StructOutput<typeof PROG_TEST_RUN_ATTR>;

function cmdName(cmd: number): string {
  return BPF_CMD_NAMES.get(cmd) ?? `bpf_cmd ${cmd}`;
}

/**
 * The attr layout command `cmd` reads, or undefined if this module does not model it.
 */
export function attrLayout(cmd: number): StructLayout | undefined {
  return (ATTR_LAYOUT_BY_CMD as Partial<Record<number, StructLayout>>)[cmd];
}

function layoutFor(cmd: number): StructLayout {
  const layout = attrLayout(cmd);
  if (layout === undefined) throw new RangeError(`Cannot encode or decode attr as ${cmdName(cmd)} has no modelled layout`);
  return layout;
}

/**
 * Encodes `attr` as the bytes of `union bpf_attr` for `cmd`.
 *
 * @param ptr maps each Uint8Array pointer value (and each string encoded for
 *   `license`/`pathname`) to the address written in the attr; the emulated
 *   kernel registers the buffer in the calling process's user memory. Every
 *   buffer is passed, even an empty one; null/undefined write NULL (0).
 * @param size attr size to produce (the `size` argument of bpf(2)); default
 *   {@link BPF_ATTR_SIZE}. Smaller sizes truncate; larger ones zero-pad.
 * @throws TypeError for unknown keys, wrongly typed values, conflicting union
 *   aliases, or a buffer pointer without `ptr`.
 * @throws RangeError for an unmodelled command, out-of-range values, names
 *   over 15 bytes, or a set field that does not fit in `size`.
 * @example
 * const bytes = encodeAttr(BPF_MAP_UPDATE_ELEM, { map_fd: 3, key, value, flags: BPF_ANY }, (b) => mem.map(b));
 */
export function encodeAttr<C extends AttrCmd>(cmd: C, attr: AttrInputOf<C>, ptr?: PtrFn, size: number = BPF_ATTR_SIZE): Uint8Array {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`Cannot encode attr as 'size' must be a non-negative integer: current value is ${size}`);
  const layout = layoutFor(cmd);
  const full = new Uint8Array(Math.max(size, BPF_ATTR_SIZE));
  encodeStruct(layout, attr as StructInput<StructLayout>, full, ptr);
  for (let i = size; i < BPF_ATTR_SIZE; i++) {
    if (full[i] !== 0) throw new RangeError(`Cannot encode ${cmdName(cmd)} attr in ${size} bytes as byte ${i} is set`);
  }
  return size === full.length ? full : full.slice(0, size);
}

/**
 * Decodes the `union bpf_attr` bytes of `cmd` (the kernel's copy: shorter
 * input reads as zero-padded). Pointers come back as bigint addresses, inline
 * names as raw `char[16]` bytes, `__u64` values as bigint.
 *
 * @throws RangeError for an unmodelled command.
 */
export function decodeAttr<C extends AttrCmd>(cmd: C, bytes: Uint8Array): AttrOutputOf<C> {
  return decodeStruct(layoutFor(cmd), bytes) as AttrOutputOf<C>;
}
