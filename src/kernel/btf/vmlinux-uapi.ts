/**
 * @fileoverview The uapi part of the model's kernel BTF: the enums
 * (vmlinux-uapi-enums.ts) and the structs and unions (vmlinux-uapi-types.ts)
 * of the networking and BPF uapi, generated from Linux 6.18's BTF, added
 * after the model's own hand-laid types so that no id of those moves. A name
 * the model already defines keeps the model's definition (the tests check
 * that it agrees with Linux); everything else is added as Linux lays it out.
 */
import {
  BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_UNION,
} from "../../uapi/btf.js";
import type { BtfBuilder } from "./builder.js";
import type { UapiRef } from "./uapi-type-select.js";
import { UAPI_ENUMS } from "./vmlinux-uapi-enums.js";
import { UAPI_TYPES } from "./vmlinux-uapi-types.js";

/**
 * The uapi enums the model's own definitions do not already carry: an enum
 * whose name the model defines is skipped, and a constant the model defines
 * is left out (C allows each enumerator once), so vmlinux.h names each with
 * Linux's value.
 */
export function addUapiEnums(b: BtfBuilder): void {
  const have = b.enumNames();
  for (const [name, size, signed, values] of UAPI_ENUMS) {
    if (name !== "" && have.types.has(name)) continue;
    const fresh = values.filter(([n]) => !have.constants.has(n)).map(([n, v]) => ({ name: n, val: BigInt(v) }));
    if (fresh.length === 0) continue;
    if (size === 8) b.enum64(name, fresh, size, signed);
    else b.enum(name, fresh, size, signed);
  }
}

/**
 * The uapi structs and unions and the types they use. Runs after
 * {@link addUapiEnums}: a named enum they use must exist by then. Named
 * types (ints, typedefs, structs, unions) the model has are reused;
 * anonymous aggregates and the named ones it lacks are added.
 */
export function addUapiTypes(b: BtfBuilder): void {
  // The model indexes every array by `int` (vmlinux-base.ts).
  const index = b.findNamed("int", [BTF_KIND_INT]);
  const ids = new Map<UapiRef, number>();
  // Aggregates to define: declared when first named, so pointers reach them
  // whatever the order; only what a uapi aggregate the model lacks reaches is added.
  const toDefine: UapiRef[] = [];
  const resolve = (ref: UapiRef): number => {
    if (ref === 0) return 0;
    const known = ids.get(ref);
    if (known !== undefined) return known;
    const row = UAPI_TYPES[ref - 1];
    if (row === undefined) throw new RangeError(`vmlinux-uapi-types.ts: row ${ref} does not exist: regenerate it`);
    let id: number;
    switch (row[0]) {
      case "int": id = b.findNamed(row[1], [BTF_KIND_INT]) || b.int(row[1], row[2], row[3]); break;
      case "enum":
        id = b.findNamed(row[1], [BTF_KIND_ENUM, BTF_KIND_ENUM64]);
        if (id === 0) throw new RangeError(`vmlinux-uapi-types.ts names enum ${row[1]}, which the uapi enum table lacks: regenerate both`);
        break;
      case "fwd": id = b.findNamed(row[1], [BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_FWD]) || b.fwd(row[1], row[2] === 1); break;
      case "typedef": id = b.findNamed(row[1], [BTF_KIND_TYPEDEF]) || b.typedef(row[1], resolve(row[2])); break;
      case "ptr": id = b.ptr(resolve(row[1])); break;
      case "const": id = b.const(resolve(row[1])); break;
      case "volatile": id = b.volatile(resolve(row[1])); break;
      case "array": id = b.array(resolve(row[1]), index, row[2]); break;
      case "struct":
      case "union": {
        const kind = row[0] === "struct" ? BTF_KIND_STRUCT : BTF_KIND_UNION;
        id = row[1] === "" ? 0 : b.findNamed(row[1], [kind]);
        if (id === 0) {
          id = b.declare(kind, row[1]);
          toDefine.push(ref);
        }
        break;
      }
    }
    ids.set(ref, id);
    return id;
  };
  UAPI_TYPES.forEach((row, i) => {
    if ((row[0] === "struct" || row[0] === "union") && row[1] !== "") resolve(i + 1);
  });
  for (let ref = toDefine.shift(); ref !== undefined; ref = toDefine.shift()) {
    const row = UAPI_TYPES[ref - 1];
    if (row === undefined || (row[0] !== "struct" && row[0] !== "union")) continue;
    b.define(ids.get(ref) ?? 0, row[2], row[3].map(([name, type, bit_offset, bitfield_size]) => ({ name, type: resolve(type), bit_offset, bitfield_size })));
  }
}
