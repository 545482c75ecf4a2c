/**
 * @fileoverview Global variables of an object's data sections (.data, .bss,
 * .rodata and their named variants), found by name through the DATASEC of
 * the object's BTF (cilium/ebpf's VariableSpec, libbpf's
 * bpf_object__find_variable): read and written in the object's initial data
 * before load and in the map element after it.
 */
import { EINVAL, ENOENT } from "../uapi/errno.js";
import { BTF_KIND_DATASEC, BTF_KIND_VAR } from "../uapi/btf.js";
import { fail } from "./bpf-call.js";
import type { BpfObjectMap } from "./map.js";
import type { BpfObject } from "./object.js";

/** A global variable of an object's data sections (cilium's VariableSpec). */
export interface GlobalVariable {
  readonly name: string;
  readonly map: BpfObjectMap;
  readonly offset: number;
  readonly size: number;
  /** The bytes: before load from the object's initial data, after load from the map. */
  get(): Uint8Array;
  /** The value as an unsigned little-endian integer (1, 2, 4 or 8 bytes). */
  getBigInt(): bigint;
  /** Writes the bytes (before load: the initial data; after load: the map). */
  set(value: Uint8Array | number | bigint): void;
}

/**
 * The global variable `name` of `obj`'s data maps.
 * @throws {BpfError} ENOENT when no data section declares it
 */
export function findVariable(obj: BpfObject, name: string): GlobalVariable {
  const btf = obj.spec.btf;
  if (btf !== undefined) {
    for (const m of obj.maps.values()) {
      if (m.spec.kind !== "data") continue;
      const ds = btf.findByNameKind(m.spec.section, BTF_KIND_DATASEC);
      if (ds < 0) continue;
      for (const si of btf.type(ds).secinfos) {
        const v = btf.type(si.type);
        if (v.kind === BTF_KIND_VAR && v.name === name) return makeVar(obj, name, m, si.offset, si.size);
      }
    }
  }
  return fail("bpf_object__find_variable", ENOENT, `object '${obj.name}' has no global variable '${name}'`);
}

function makeVar(obj: BpfObject, name: string, map: BpfObjectMap, offset: number, size: number): GlobalVariable {
  const read = (): Uint8Array => (map.fd < 0 ? (map.initial ?? new Uint8Array(map.spec.valueSize)) : map.lookup(0));
  return {
    name, map, offset, size,
    get: () => read().slice(offset, offset + size),
    getBigInt: () => {
      const b = read().slice(offset, offset + size);
      let v = 0n;
      for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
      return v;
    },
    set: (value) => {
      let bytes: Uint8Array;
      if (value instanceof Uint8Array) bytes = value;
      else {
        bytes = new Uint8Array(size);
        let n = BigInt.asUintN(size * 8, BigInt(value));
        for (let i = 0; i < size; i++, n >>= 8n) bytes[i] = Number(n & 0xffn);
      }
      if (bytes.length !== size) fail("bpf_object__set_variable", EINVAL, `set variable '${name}': ${bytes.length} bytes for a ${size}-byte variable`);
      if (map.fd < 0) {
        if (obj.isLoaded) fail("bpf_object__set_variable", EINVAL, `set variable '${name}': its map was not created`);
        map.writableInitial().set(bytes, offset);
        return;
      }
      const cur = map.lookup(0);
      cur.set(bytes, offset);
      map.update(cur, 0);
    },
  };
}
