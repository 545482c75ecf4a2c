/**
 * @fileoverview A parsed BTF with the lookups the loader needs: types by id
 * and name, modifier skipping, sizes, and in-place DATASEC fixups on its own
 * copy of the blob (what libbpf's btf_fixup_datasec changes before BTF_LOAD).
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_KIND_DECL_TAG, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD,
} from "../../uapi/btf.js";
import { ObjError } from "../errors.js";
import { parseBtfBlob } from "./parse.js";
import type { ParsedBtfBlob } from "./parse.js";
import type { BtfTypeRec } from "./types.js";

const MAX_RESOLVE_DEPTH = 32;

/** A BTF blob and its decoded types. */
export class Btf {
  private byNameIdx: Map<string, number[]> | undefined;
  /** The blob (a private copy: DATASEC fixups write into it). */
  readonly raw: Uint8Array;
  private readonly parsed: ParsedBtfBlob;

  private constructor(raw: Uint8Array, parsed: ParsedBtfBlob, readonly section: string, readonly base: number) {
    this.raw = raw;
    this.parsed = parsed;
  }

  /**
   * Parses a BTF blob (copied).
   * @throws {ObjError} on malformed input
   */
  static parse(bytes: Uint8Array, section = ".BTF", base = 0): Btf {
    const raw = bytes.slice();
    return new Btf(raw, parseBtfBlob(raw, section, base), section, base);
  }

  /** Number of type ids, void included. */
  get length(): number {
    return this.parsed.types.length;
  }

  get types(): readonly BtfTypeRec[] {
    return this.parsed.types;
  }

  /** Type `id`. @throws {ObjError} when out of range */
  type(id: number): BtfTypeRec {
    const t = this.parsed.types[id];
    if (t === undefined) throw new ObjError(`no BTF type ${id}`, this.section, -1);
    return t;
  }

  /** A string of the string section by offset ("" for 0). */
  str(off: number, what = "string"): string {
    return off === 0 ? "" : this.parsed.strings.cstr(off, what);
  }

  /** Ids of every type named `name` (any kind), in id order. */
  idsByName(name: string): readonly number[] {
    if (this.byNameIdx === undefined) {
      const m = new Map<string, number[]>();
      for (const t of this.parsed.types) {
        if (t.name === "") continue;
        const l = m.get(t.name);
        if (l === undefined) m.set(t.name, [t.id]);
        else l.push(t.id);
      }
      this.byNameIdx = m;
    }
    return this.byNameIdx.get(name) ?? [];
  }

  /** The first type named `name` of kind `kind`, or 0. */
  find(name: string, kind: number): number {
    for (const id of this.idsByName(name)) if (this.type(id).kind === kind) return id;
    return 0;
  }

  /** Follows TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG to the underlying type id. */
  skipModsAndTypedefs(id: number): number {
    for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
      const t = this.type(id);
      if (t.kind !== BTF_KIND_TYPEDEF && !isModifier(t.kind)) return id;
      id = t.type ?? 0;
    }
    throw new ObjError(`type chain from ${id} is too deep (a loop?)`, this.section, -1);
  }

  /** Follows CONST, VOLATILE, RESTRICT and TYPE_TAG only. */
  skipMods(id: number): number {
    for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
      const t = this.type(id);
      if (!isModifier(t.kind)) return id;
      id = t.type ?? 0;
    }
    throw new ObjError(`type chain from ${id} is too deep (a loop?)`, this.section, -1);
  }

  /** sizeof(type `id`), or -1 when it has no size (void, FUNC, FWD, FUNC_PROTO). */
  resolveSize(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new ObjError(`size of type ${id} cannot be resolved (a loop?)`, this.section, -1);
    const t = this.type(id);
    switch (t.kind) {
      case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
      case BTF_KIND_DATASEC: case BTF_KIND_FLOAT:
        return t.size ?? -1;
      case BTF_KIND_PTR:
        return 8;
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
        return this.resolveSize(t.type ?? 0, depth + 1);
      case BTF_KIND_ARRAY: {
        const a = t.array;
        if (a === undefined) return -1;
        const e = this.resolveSize(a.type, depth + 1);
        return e < 0 ? -1 : e * a.nelems;
      }
      default:
        return -1;
    }
  }

  /** Alignment of a type (as libbpf's btf__align_of), at least 1. */
  alignOf(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) return 1;
    const t = this.type(id);
    switch (t.kind) {
      case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FLOAT:
        return Math.max(1, Math.min(8, t.size ?? 1));
      case BTF_KIND_PTR:
        return 8;
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
        return this.alignOf(t.type ?? 0, depth + 1);
      case BTF_KIND_ARRAY:
        return this.alignOf(t.array?.type ?? 0, depth + 1);
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        let a = 1;
        for (const m of t.members ?? []) a = Math.max(a, this.alignOf(m.type, depth + 1));
        return a;
      }
      default:
        return 1;
    }
  }

  /** Rewrites DATASEC `id`'s size and its entries' offsets in the blob (and the decoded record). */
  patchDatasec(id: number, size: number): void {
    const t = this.type(id);
    if (t.kind !== BTF_KIND_DATASEC) throw new ObjError(`type ${id} is not a DATASEC`, this.section, -1);
    const dv = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
    t.size = size;
    dv.setUint32(t.blobOffset + 8, size, true);
    (t.secinfos ?? []).forEach((s, i) => {
      dv.setUint32(t.blobOffset + 12 + i * 12 + 4, s.offset, true);
      dv.setUint32(t.blobOffset + 12 + i * 12 + 8, s.size, true);
    });
  }

  /** A C-like name for messages ("struct tcp_sock", "u32", "void"). */
  describe(id: number): string {
    const t = this.parsed.types[id];
    if (t === undefined) return `type#${id}`;
    if (id === 0) return "void";
    const kw = KIND_KEYWORD.get(t.kind);
    return kw === undefined ? t.name || `type#${id}` : `${kw} ${t.name || "(anon)"}`;
  }
}

/** A C spelling of type `id` for display ("u64[8]", "const char *"); named types as {@link Btf.describe} gives them. */
export function cTypeName(btf: Btf, id: number, depth = 0): string {
  const t = btf.types[id];
  if (t === undefined || id === 0 || depth > MAX_RESOLVE_DEPTH) return btf.describe(id);
  switch (t.kind) {
    case BTF_KIND_PTR: return `${cTypeName(btf, t.type ?? 0, depth + 1)} *`;
    case BTF_KIND_ARRAY: return `${cTypeName(btf, t.array?.type ?? 0, depth + 1)}[${t.array?.nelems ?? 0}]`;
    case BTF_KIND_CONST: return `const ${cTypeName(btf, t.type ?? 0, depth + 1)}`;
    case BTF_KIND_VOLATILE: return `volatile ${cTypeName(btf, t.type ?? 0, depth + 1)}`;
    case BTF_KIND_RESTRICT: return `${cTypeName(btf, t.type ?? 0, depth + 1)} restrict`;
    case BTF_KIND_TYPE_TAG: return cTypeName(btf, t.type ?? 0, depth + 1);
    case BTF_KIND_FUNC_PROTO: return "func_proto";
    default: return btf.describe(id);
  }
}

const KIND_KEYWORD = new Map([[BTF_KIND_STRUCT, "struct"], [BTF_KIND_UNION, "union"], [BTF_KIND_ENUM, "enum"], [BTF_KIND_ENUM64, "enum"], [BTF_KIND_FWD, "fwd"], [BTF_KIND_FUNC, "func"], [BTF_KIND_FUNC_PROTO, "func_proto"], [BTF_KIND_VAR, "var"], [BTF_KIND_DATASEC, "datasec"], [BTF_KIND_DECL_TAG, "decl_tag"]]);

/** CONST, VOLATILE, RESTRICT, TYPE_TAG. */
export function isModifier(kind: number): boolean {
  return kind === BTF_KIND_CONST || kind === BTF_KIND_VOLATILE || kind === BTF_KIND_RESTRICT || kind === BTF_KIND_TYPE_TAG;
}

/** STRUCT or UNION. */
export function isComposite(kind: number): boolean {
  return kind === BTF_KIND_STRUCT || kind === BTF_KIND_UNION;
}
