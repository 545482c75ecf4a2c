/**
 * @fileoverview Validates the inspection commands' `-j` output against the
 * JSON Schemas shipped in schemas/ (docs/cli-json.md), with ajv's draft
 * 2020-12 validator: every schema is registered, so cross-file `$ref`s
 * (snapshot.json → struct-ops.json, link.json, cc.json) resolve.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";

const DIR = fileURLToPath(new URL("../../schemas", import.meta.url));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const names = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
for (const f of names) ajv.addSchema(JSON.parse(readFileSync(join(DIR, f), "utf8")) as object);

/** The schema files, by name without .json. */
export const SCHEMAS: readonly string[] = names.map((f) => f.replace(/\.json$/, ""));

/** Asserts that `data` follows schemas/`name`.json, listing every violation. */
export function assertSchema(name: string, data: unknown): void {
  const v = ajv.getSchema(`https://structops.invalid/schemas/${name}.json`);
  assert.ok(v !== undefined, `no schema ${name}`);
  if (!v(data)) assert.fail(`${name}.json: ${ajv.errorsText(v.errors, { separator: "\n" })}`);
}
