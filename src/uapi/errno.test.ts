/**
 * @fileoverview Tests for errno.ts: the kernel spelling of errnos and the one
 * user-facing form, `ENOENT (2)`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EINVAL, ENOENT, ENOTSUPP, errnoName, errnoValue, formatErrno } from "./errno.js";

test("formatErrno() gives the name and the number, whatever the sign", () => {
  assert.equal(formatErrno(ENOENT), "ENOENT (2)");
  assert.equal(formatErrno(-EINVAL), "EINVAL (22)");
  assert.equal(formatErrno(ENOTSUPP), "ENOTSUPP (524)");
});

test("formatErrno() still shows a number the table does not name", () => {
  assert.equal(formatErrno(4000), "E4000 (4000)");
});

test("errnoName() and errnoValue() are inverse on the table", () => {
  for (const v of [1, 2, 13, 17, 20, 21, 22, 28, 30, 95, 524]) assert.equal(errnoValue(errnoName(v)), v);
  assert.equal(errnoValue("ENOSUCH"), undefined);
});
