/**
 * @fileoverview The loader's entry to the shared BTF decoder and lookups
 * (src/btf): a BTF blob of an object file (or a target kernel's BTF) read
 * with every complaint, at parse time or later in a query, as an ObjError
 * naming the section and the absolute file offset.
 */
import { Btf } from "../../btf/btf.js";
import { ObjError } from "../errors.js";

/**
 * Decodes `bytes` (a copy), the BTF blob at absolute file offset `base`,
 * named `section` in errors.
 * @throws {ObjError} on malformed input, and later from queries that cannot be answered
 */
export function parseBtf(bytes: Uint8Array, section = ".BTF", base = 0): Btf {
  return new Btf(bytes, (message, offset) => {
    throw new ObjError(message, section, offset < 0 ? -1 : base + offset);
  });
}
