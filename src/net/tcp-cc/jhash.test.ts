/**
 * @fileoverview Tests of jhash.ts against lookup3's published check values
 * and against fixtures/jhash_ref.c, an independent C lookup3 (see its header
 * for how jhash-ref.json was produced).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jhash, tcpCaKey } from "./jhash.js";
import { createTcpReno } from "./reno.js";
import { createCubicTcp } from "./cubic.js";

interface JhashRef {
  bytes: Array<[number, number, number]>;
  caKeys: Array<[string, number]>;
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/jhash-ref.json", import.meta.url), "utf8")) as JhashRef;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test("jhash: lookup3's published self-test values", () => {
  assert.equal(jhash(new Uint8Array(0), 0, 0), 0xdeadbeef);
  assert.equal(jhash(new Uint8Array(0), 0, 0xdeadbeef), 0xbd5b7dde);
  const four = ascii("Four score and seven years ago");
  assert.equal(jhash(four, four.length, 0), 0x17770551);
  assert.equal(jhash(four, four.length, 1), 0xcd628161);
});

test("jhash: every length 0..64 and several seeds agree with the C reference", () => {
  const buf = new Uint8Array(64);
  for (let i = 0; i < 64; i++) buf[i] = (i * 37 + 11) & 0xff;
  assert.equal(ref.bytes.length, 65 * 5);
  for (const [len, seed, want] of ref.bytes) {
    const got = jhash(buf, len, seed);
    assert.equal(got, want, `len ${len} seed ${seed}`);
    assert.ok(Number.isInteger(got) && got >= 0 && got <= 0xffffffff);
  }
});

test("jhash: only the first `length` bytes count; a short key is refused", () => {
  const a = ascii("abcdefghijklmnopqrstuvwxyz");
  const b = ascii("abcdefghijklmnopqrstuvwxy!");
  assert.equal(jhash(a, 25, 7), jhash(b, 25, 7));
  assert.notEqual(jhash(a, 26, 7), jhash(b, 26, 7));
  assert.throws(() => jhash(a, 27, 0), RangeError);
});

test("tcpCaKey: jhash(name padded to TCP_CA_NAME_MAX, 16, strlen(name)) as tcp_register_congestion_control keys a CA", () => {
  for (const [name, want] of ref.caKeys) {
    assert.equal(tcpCaKey(name), want, name);
    const buf = new Uint8Array(16);
    buf.set(ascii(name));
    assert.equal(tcpCaKey(buf), want, `${name} as a buffer`);
  }
  assert.equal(createTcpReno().key, tcpCaKey("reno"));
  assert.equal(createCubicTcp().key, tcpCaKey("cubic"));
  assert.throws(() => tcpCaKey("abcdefghijklmnop"), RangeError, "16 chars leave no room for the NUL");
  assert.throws(() => tcpCaKey(new Uint8Array(16).fill(0x61)), RangeError);
});
