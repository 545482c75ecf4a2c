/**
 * @fileoverview Stable ids: canonical JSON (keys sorted, no whitespace) and
 * a SHA-256 over it. A point's id hashes its resolved scenario, its engine
 * and the structops version, so the same point gets the same id on every
 * machine and in every shard, and a changed input (a rebuilt BPF object
 * lands in the scenario under a new content hash) gets a new one.
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/** Hex SHA-256 of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Length of point ids (hex digits): 64 bits, no collision in any sweep people run. */
export const POINT_ID_HEX = 16;

/** A point's id: the hash of its resolved scenario document, its engine and the structops version. */
export function pointId(scenario: unknown, engine: string, version: string): string {
  return sha256(canonicalJson({ scenario, engine, structops: version })).slice(0, POINT_ID_HEX);
}

/** A sweep's id: the hash of its point ids in order (and so of everything they hash). */
export function sweepId(pointIds: readonly string[]): string {
  return sha256(pointIds.join("\n")).slice(0, POINT_ID_HEX);
}
