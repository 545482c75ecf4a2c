/**
 * @fileoverview C struct/union layout for the BTF builder: declare an
 * aggregate as a list of fields and get member bit offsets, size and alignment
 * as gcc/clang compute them for x86-64 and arm64 (the System V LP64 rules).
 *
 * Rules applied: a field starts at the next multiple of its alignment; a
 * bitfield of declared type T goes at the current bit position unless it would
 * cross a T-sized, T-aligned storage unit, in which case it starts the next
 * unit; the aggregate aligns to its most aligned field (or to a raised
 * alignment such as `____cacheline_aligned` = 64) and its size is rounded up
 * to that alignment. Explicit offsets and {@link LayoutAlignTo} spacers let a
 * layout open holes on purpose (the model's tcp_sock keeps writable fields in
 * whole 8-byte granules this way).
 *
 * Key invariant: the result never overlaps two non-union fields, and every
 * non-bitfield member sits at a multiple of its natural alignment, so the C
 * that `bpftool btf dump format c` prints needs no `packed` attribute.
 */
import type { BtfBuilder, BtfMemberSpec } from "./builder.js";
import { BTF_KIND_STRUCT, BTF_KIND_UNION } from "../../uapi/btf.js";

/** One field of a layout. */
export interface LayoutField {
  /** Member name; "" for an anonymous struct/union member. */
  readonly name: string;
  readonly type: number;
  /** Bitfield width in bits (1..8×sizeof(type)); absent for ordinary fields. */
  readonly bits?: number;
  /** Raise this field's alignment (e.g. 8 to start a new granule, 64 for a cacheline). */
  readonly align?: number;
  /** Place the field at this exact byte offset (≥ the current position, aligned to the field's alignment). */
  readonly offset?: number;
}

/** A spacer: advance the current position to the next multiple of `alignTo` bytes, leaving a hole. */
export interface LayoutAlignTo {
  readonly alignTo: number;
}

/** An item of a struct layout. */
export type LayoutItem = LayoutField | LayoutAlignTo;

/** Options for a layout. */
export interface LayoutOptions {
  /** Raised alignment of the whole aggregate (`____cacheline_aligned` = 64). */
  readonly align?: number;
  /** Exact size; must be ≥ the computed size and a multiple of the alignment. */
  readonly size?: number;
}

/** A computed layout. */
export interface ComputedLayout {
  readonly members: readonly BtfMemberSpec[];
  readonly size: number;
  readonly align: number;
}

function isSpacer(item: LayoutItem): item is LayoutAlignTo {
  return "alignTo" in item;
}

function roundUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function checkPow2(what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0 || (v & (v - 1)) !== 0) {
    throw new RangeError(`Cannot lay out ${what} as the alignment must be a power of two: current value is ${v}`);
  }
}

/** Computes a struct layout without adding anything to the builder. */
export function computeStructLayout(b: BtfBuilder, what: string, items: readonly LayoutItem[], opts: LayoutOptions = {}): ComputedLayout {
  let bitPos = 0;
  let align = opts.align ?? 1;
  checkPow2(what, align);
  const members: BtfMemberSpec[] = [];
  const names = new Set<string>();
  for (const item of items) {
    if (isSpacer(item)) {
      checkPow2(what, item.alignTo);
      bitPos = roundUp(bitPos, item.alignTo * 8);
      continue;
    }
    if (item.name !== "" && names.has(item.name)) throw new RangeError(`Cannot lay out ${what} as member '${item.name}' appears twice`);
    names.add(item.name);
    const size = b.sizeOf(item.type);
    const natural = b.alignOf(item.type);
    const fieldAlign = Math.max(natural, item.align ?? 1);
    checkPow2(`${what}.${item.name}`, fieldAlign);
    align = Math.max(align, fieldAlign);
    if (item.bits !== undefined) {
      if (!Number.isInteger(item.bits) || item.bits <= 0 || item.bits > size * 8) {
        throw new RangeError(`Cannot lay out ${what}.${item.name} as a ${item.bits}-bit field of a ${size}-byte type`);
      }
      if (item.offset !== undefined) throw new RangeError(`Cannot lay out ${what}.${item.name} as a bitfield takes no explicit offset`);
      if (item.align !== undefined) bitPos = roundUp(bitPos, item.align * 8);
      const unit = size * 8;
      if (Math.floor(bitPos / unit) !== Math.floor((bitPos + item.bits - 1) / unit)) bitPos = roundUp(bitPos, unit);
      members.push({ name: item.name, type: item.type, bit_offset: bitPos, bitfield_size: item.bits });
      bitPos += item.bits;
      continue;
    }
    let at = roundUp(bitPos, fieldAlign * 8);
    if (item.offset !== undefined) {
      if (item.offset * 8 < bitPos || item.offset % fieldAlign !== 0) {
        throw new RangeError(`Cannot lay out ${what}.${item.name} at offset ${item.offset}: the current position is ${bitPos / 8} and the alignment ${fieldAlign}`);
      }
      at = item.offset * 8;
    }
    members.push({ name: item.name, type: item.type, bit_offset: at });
    bitPos = at + size * 8;
  }
  let size = roundUp(Math.ceil(bitPos / 8), align);
  if (opts.size !== undefined) {
    if (opts.size < size || opts.size % align !== 0) throw new RangeError(`Cannot lay out ${what} with size ${opts.size}: it needs ${size} bytes aligned to ${align}`);
    size = opts.size;
  }
  return { members, size, align };
}

/**
 * Lays out and adds (or, given a declared id, defines) a struct. Returns its
 * type id. Throws RangeError on an impossible layout.
 */
export function layoutStruct(b: BtfBuilder, nameOrId: string | number, items: readonly LayoutItem[], opts: LayoutOptions = {}): number {
  const id = typeof nameOrId === "number" ? nameOrId : b.declare(BTF_KIND_STRUCT, nameOrId);
  const what = `struct ${b.nameOf(id) || "(anon)"}`;
  const l = computeStructLayout(b, what, items, opts);
  return b.define(id, l.size, l.members, opts.align ?? 0);
}

/** Lays out and adds (or defines) a union: every field at offset 0. Returns its type id. */
export function layoutUnion(b: BtfBuilder, nameOrId: string | number, fields: readonly LayoutField[], opts: LayoutOptions = {}): number {
  const id = typeof nameOrId === "number" ? nameOrId : b.declare(BTF_KIND_UNION, nameOrId);
  const what = `union ${b.nameOf(id) || "(anon)"}`;
  let align = opts.align ?? 1;
  let size = 0;
  const members: BtfMemberSpec[] = [];
  for (const f of fields) {
    if (f.offset !== undefined && f.offset !== 0) throw new RangeError(`Cannot lay out ${what}.${f.name} at offset ${f.offset}`);
    const fsize = b.sizeOf(f.type);
    align = Math.max(align, b.alignOf(f.type), f.align ?? 1);
    if (f.bits !== undefined) {
      members.push({ name: f.name, type: f.type, bit_offset: 0, bitfield_size: f.bits });
      size = Math.max(size, Math.ceil(f.bits / 8));
    } else {
      members.push({ name: f.name, type: f.type, bit_offset: 0 });
      size = Math.max(size, fsize);
    }
  }
  checkPow2(what, align);
  size = roundUp(size, align);
  if (opts.size !== undefined) {
    if (opts.size < size || opts.size % align !== 0) throw new RangeError(`Cannot lay out ${what} with size ${opts.size}: it needs ${size} bytes aligned to ${align}`);
    size = opts.size;
  }
  return b.define(id, size, members, opts.align ?? 0);
}
