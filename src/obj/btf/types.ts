/**
 * @fileoverview Decoded BTF type records (include/uapi/linux/btf.h, the
 * kernel's Documentation/bpf/btf.rst), one shape for every kind: the fields a
 * kind does not have are absent.
 */

/** A STRUCT/UNION member; `bitOffset` and `bitfieldSize` decoded from kind_flag. */
export interface BtfMemberRec {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  /** 0 when not a bitfield. */
  readonly bitfieldSize: number;
}

/** An ENUM/ENUM64 value (widened to bigint, signed when kind_flag says so). */
export interface BtfEnumRec {
  readonly name: string;
  readonly val: bigint;
}

/** A FUNC_PROTO parameter. */
export interface BtfParamRec {
  readonly name: string;
  readonly type: number;
}

/** A DATASEC entry. */
export interface BtfSecinfoRec {
  readonly type: number;
  offset: number;
  size: number;
}

/** One type. `id` 0 is void and has kind 0. */
export interface BtfTypeRec {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  readonly vlen: number;
  readonly kflag: boolean;
  /** Byte offset of the record in the BTF blob (for in-place fixups and errors). */
  readonly blobOffset: number;
  /** INT, ENUM*, STRUCT, UNION, DATASEC, FLOAT. */
  size?: number;
  /** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO (return), VAR, DECL_TAG, TYPE_TAG. */
  readonly type?: number;
  /** INT encoding bits. */
  readonly intEncoding?: number;
  readonly intOffset?: number;
  readonly intBits?: number;
  /** ARRAY. */
  readonly array?: { readonly type: number; readonly indexType: number; readonly nelems: number };
  readonly members?: readonly BtfMemberRec[];
  readonly enums?: readonly BtfEnumRec[];
  readonly params?: readonly BtfParamRec[];
  /** VAR linkage, or FUNC linkage (= vlen). */
  readonly linkage?: number;
  readonly secinfos?: BtfSecinfoRec[];
  /** DECL_TAG component index (-1: the type itself). */
  readonly componentIdx?: number;
}
