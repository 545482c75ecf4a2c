/**
 * @fileoverview Parses `.BTF.ext` (tools/lib/bpf/libbpf_internal.h layout):
 * per-section func_info, line_info and CO-RE relocation records. Offsets are
 * kept as the file has them (bytes inside the code section); names resolve
 * through the `.BTF` string table.
 */
import { ByteView } from "../bytes.js";
import type { Btf } from "../../btf/btf.js";

/** bpf_func_info: insn byte offset in its section, FUNC type id. */
export interface FuncInfoRec {
  readonly insnOff: number;
  readonly typeId: number;
}

/** bpf_line_info. */
export interface LineInfoRec {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  readonly lineCol: number;
}

/** bpf_core_relo. */
export interface CoreReloRec {
  readonly insnOff: number;
  readonly typeId: number;
  readonly accessStr: string;
  readonly kind: number;
  /** Absolute file offset of the record (errors). */
  readonly fileOffset: number;
}

/** Records of one code section. */
export interface BtfExtSection {
  funcInfo: FuncInfoRec[];
  lineInfo: LineInfoRec[];
  coreRelos: CoreReloRec[];
}

/** The decoded .BTF.ext: per section name. */
export interface BtfExt {
  readonly sections: ReadonlyMap<string, BtfExtSection>;
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
}

const MAX_RECORDS = 1 << 22;

/**
 * Parses a .BTF.ext blob against its .BTF (for strings).
 * @throws {ObjError}
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf, section = ".BTF.ext", base = 0): BtfExt {
  const v = new ByteView(bytes, section, base);
  if (v.u16(0, "BTF.ext magic") !== 0xeb9f) v.fail(0, "bad .BTF.ext magic");
  if (v.u8(2) !== 1) v.fail(2, `.BTF.ext version ${v.u8(2)} is not 1`);
  const hdrLen = v.u32(4, "hdr_len");
  if (hdrLen < 24) v.fail(4, `hdr_len ${hdrLen} is shorter than 24`);
  v.need(0, hdrLen, ".BTF.ext header");
  const sections = new Map<string, BtfExtSection>();
  const get = (name: string): BtfExtSection => {
    let s = sections.get(name);
    if (s === undefined) sections.set(name, (s = { funcInfo: [], lineInfo: [], coreRelos: [] }));
    return s;
  };
  const walk = (offField: number, minRec: number, what: string, each: (sec: BtfExtSection, r: ByteView, at: number, recSize: number) => void): number => {
    if (offField + 8 > hdrLen) return 0;
    const off = v.u32(offField), len = v.u32(offField + 4);
    if (len === 0) return 0;
    const sv = v.slice(hdrLen + off, len, section, `${what} subsection`);
    const recSize = sv.u32(0, `${what} record size`);
    if (recSize < minRec || recSize % 4 !== 0) sv.fail(0, `${what} record size ${recSize} is invalid (at least ${minRec}, 4-aligned)`);
    let at = 4;
    while (at < len) {
      const secName = btf.str(sv.u32(at, `${what} section name`), `${what} section name`);
      const n = sv.u32(at + 4, `${what} record count`);
      if (n === 0 || n > MAX_RECORDS) sv.fail(at + 4, `${what} record count ${n} is invalid`);
      at += 8;
      sv.need(at, n * recSize, `${what} records of ${secName}`);
      const sec = get(secName);
      for (let i = 0; i < n; i++, at += recSize) each(sec, sv, at, recSize);
    }
    return recSize;
  };
  const fis = walk(8, 8, "func_info", (sec, r, at) => sec.funcInfo.push({ insnOff: r.u32(at), typeId: r.u32(at + 4) }));
  const lis = walk(16, 16, "line_info", (sec, r, at) => sec.lineInfo.push({ insnOff: r.u32(at), fileNameOff: r.u32(at + 4), lineOff: r.u32(at + 8), lineCol: r.u32(at + 12) }));
  walk(24, 16, "core_relo", (sec, r, at) => {
    const typeId = r.u32(at + 4);
    if (typeId > btf.nrTypes) r.fail(at + 4, `CO-RE relocation type id ${typeId} is beyond the last BTF type`);
    sec.coreRelos.push({ insnOff: r.u32(at), typeId, accessStr: btf.str(r.u32(at + 8), "CO-RE access string"), kind: r.u32(at + 12), fileOffset: r.base + at });
  });
  return { sections, funcInfoRecSize: fis, lineInfoRecSize: lis };
}

/** bpf_line_info.line_col split as include/uapi/linux/bpf.h's BPF_LINE_INFO_LINE_NUM / BPF_LINE_INFO_LINE_COL do. */
export function splitLineCol(lineCol: number): { readonly line: number; readonly col: number } {
  return { line: lineCol >>> 10, col: lineCol & 0x3ff };
}

/** A line_info record resolved through the BTF string table: file, line, column and the source line's text. */
export interface SourceLine {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly text: string;
}

/** Resolves a line_info record's strings (file_name_off, line_off) and line_col. @throws {ObjError} on a bad string offset */
export function sourceLine(btf: Btf, rec: { readonly fileNameOff: number; readonly lineOff: number; readonly lineCol: number }): SourceLine {
  return { file: btf.str(rec.fileNameOff, "line_info file name"), ...splitLineCol(rec.lineCol), text: btf.str(rec.lineOff, "line_info source line") };
}
