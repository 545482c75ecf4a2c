/**
 * @fileoverview Decoded BTF records (include/uapi/linux/btf.h), one shape for
 * every kind, in the kernel's spelling: `struct btf_type` with its trailing
 * data (`struct btf_member`, `btf_enum`, `btf_param`, `btf_var_secinfo`,
 * `btf_array`), members' offsets decoded as `btf_member_bit_offset` and
 * `btf_member_bitfield_size` do (kernel/bpf/btf.c, include/linux/btf.h).
 *
 * Every field is present for every kind: a kind without one has 0 (or the
 * shared empty list), so code never has to ask whether a field exists.
 */

/** A STRUCT/UNION member with its offset decoded from kind_flag. */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Bit offset from the start of the enclosing aggregate. */
  readonly bit_offset: number;
  /** Bitfield width; 0 when the member is not a bitfield. */
  readonly bitfield_size: number;
}

/** An ENUM/ENUM64 enumerator, widened to bigint (signed when kind_flag says so). */
export interface BtfEnumValue {
  readonly name: string;
  readonly val: bigint;
}

/** A FUNC_PROTO parameter. */
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** A DATASEC entry. */
export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** `struct btf_array`. */
export interface BtfArray {
  readonly type: number;
  readonly index_type: number;
  readonly nelems: number;
}

/** One decoded type. Id 0 is `void` (kind 0, everything else empty). */
export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  readonly name_off: number;
  readonly info: number;
  readonly vlen: number;
  readonly kflag: boolean;
  /** Byte offset of the record in the blob (for in-place fixups and error offsets); -1 for void. */
  readonly blob_off: number;
  /** INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT: the size in bytes; otherwise 0. */
  readonly size: number;
  /** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO (return), VAR, DECL_TAG, TYPE_TAG: the type referred to; otherwise 0. */
  readonly type: number;
  /** INT: the fields of the encoding word (btf_int_encoding, btf_int_offset, btf_int_bits); otherwise 0. */
  readonly int_encoding: number;
  readonly int_offset: number;
  readonly int_bits: number;
  /** ARRAY only. */
  readonly array: BtfArray | undefined;
  readonly members: readonly BtfMember[];
  readonly enums: readonly BtfEnumValue[];
  readonly params: readonly BtfParam[];
  readonly secinfos: readonly BtfVarSecinfo[];
  /** FUNC: btf_func_linkage (its vlen); VAR: btf_var.linkage; otherwise 0. */
  readonly linkage: number;
  /** DECL_TAG: component_idx (-1: the type itself); otherwise 0. */
  readonly component_idx: number;
}

/** `struct btf_header`. */
export interface BtfHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdr_len: number;
  readonly type_off: number;
  readonly type_len: number;
  readonly str_off: number;
  readonly str_len: number;
}

/**
 * How a BTF owner reports bad input: a message and the byte offset in the
 * blob it concerns (-1 when it has no single place). It must throw. The
 * loader turns this into an ObjError naming the section and file offset, the
 * Linux backend into a TypeError; the default throws a {@link BtfError}.
 */
export type BtfFail = (message: string, offset: number) => never;

/** Malformed BTF, or a query that cannot be answered (a type loop), at a byte offset of the blob (-1: no single place). */
export class BtfError extends Error {
  override readonly name = "BtfError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(offset >= 0 ? `BTF @${offset}: ${message}` : `BTF: ${message}`);
  }
}

/** The default {@link BtfFail}: throws a {@link BtfError}. */
export const throwBtfError: BtfFail = (message, offset) => {
  throw new BtfError(message, offset);
};
