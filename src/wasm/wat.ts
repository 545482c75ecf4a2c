/**
 * @fileoverview A WAT-like text dump of a {@link WasmModule} (WebAssembly
 * Core Specification 2.0, section 6 "Text Format", folded only as far as
 * indentation): for debugging the JIT and for golden tests. Labels print as
 * relative depths, locals by the names the JIT gave them.
 */
import type { Code } from "./code.js";
import type { WasmModule } from "./module.js";
import { EMPTY, I32, OPS } from "./opcodes.js";

const valName = (t: number): string => (t === I32 ? "i32" : "i64");
const blockName = (t: number): string => (t === EMPTY ? "" : ` (result ${valName(t)})`);

function funcText(m: WasmModule, code: Code, lines: string[], funcName: (i: number) => string): void {
  const { ops, a, b } = code;
  let indent = 1;
  for (let i = 0; i < code.localTypes.length; i++) {
    lines.push(`    (local $${code.localNames[code.params.length + i]} ${valName(code.localTypes[i] as number)})`);
  }
  for (let i = 0; i < ops.length; i++) {
    const info = OPS[ops[i] as number];
    if (info === undefined) continue;
    const x = a[i] as number | bigint | readonly number[];
    if (info.name === "end" || info.name === "else") indent--;
    if (info.name === "end" && i === ops.length - 1) break; // the function's own end
    let text = info.name;
    switch (info.imm) {
      case "block": text += blockName(x as number); break;
      case "label": text += ` ${x as number}`; break;
      case "table": text += ` ${(x as readonly number[]).join(" ")} ${b[i] as number}`; break;
      case "func": text += ` $${funcName(x as number)}`; break;
      case "local": text += ` $${code.localNames[x as number] ?? String(x)}`; break;
      case "global": text += ` $${m.globalName(x as number) ?? String(x)}`; break;
      case "mem": if ((b[i] as number) !== 0) text += ` offset=${b[i] as number}`; break;
      case "i32": text += ` ${x as number}`; break;
      case "i64": text += ` ${(x as number | bigint).toString()}`; break;
      default: break;
    }
    lines.push(`${"  ".repeat(indent + 1)}${text}`);
    if (info.name === "block" || info.name === "loop" || info.name === "if" || info.name === "else") indent++;
  }
}

/** The module as text. */
export function toWat(m: WasmModule): string {
  const lines: string[] = ["(module"];
  const names: string[] = [...m.imports.map((im) => `${im.module}.${im.name}`), ...m.funcs.map((f) => f.name)];
  const funcName = (i: number): string => names[i] ?? String(i);
  const sig = (t: number): string => {
    const ty = m.types[t];
    if (ty === undefined) return "";
    const p = ty.params.length > 0 ? ` (param ${ty.params.map(valName).join(" ")})` : "";
    const r = ty.results.length > 0 ? ` (result ${ty.results.map(valName).join(" ")})` : "";
    return p + r;
  };
  if (m.memory !== undefined) {
    lines.push(`  (import "${m.memory.module}" "${m.memory.name}" (memory ${m.memory.min} ${m.memory.max}))`);
  }
  m.imports.forEach((im) => lines.push(`  (import "${im.module}" "${im.name}" (func $${im.module}.${im.name}${sig(im.type)}))`));
  for (const g of m.globalImports) {
    const t = g.mutable ? `(mut ${valName(g.type)})` : valName(g.type);
    lines.push(`  (import "${g.module}" "${g.name}" (global $${g.name} ${t}))`);
  }
  for (const g of m.globals) {
    const t = g.mutable ? `(mut ${valName(g.type)})` : valName(g.type);
    lines.push(`  (global $${g.name} ${t} (${valName(g.type)}.const ${g.init.toString()}))`);
  }
  for (const f of m.funcs) {
    const ps = f.code.params.map((p, i) => ` (param $${f.code.localNames[i]} ${valName(p)})`).join("");
    const rs = f.code.results.length > 0 ? ` (result ${f.code.results.map(valName).join(" ")})` : "";
    lines.push(`  (func $${f.name}${ps}${rs}`);
    funcText(m, f.code, lines, funcName);
    lines.push("  )");
  }
  for (const e of m.exports) {
    const target = e.kind === "func" ? `func $${funcName(e.index)}` : `global $${m.globalName(e.index) ?? e.index}`;
    lines.push(`  (export "${e.name}" (${target}))`);
  }
  lines.push(")");
  return `${lines.join("\n")}\n`;
}
