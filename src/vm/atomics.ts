/**
 * @fileoverview The atomic operations of RFC 9669 section 5.3 on memory the
 * caller has already checked (read and write permission, 4 or 8 bytes).
 *
 * `i` is the operation's index in ATOMIC_OPS (asm/opcodes.ts): 0-3 add, or,
 * and, xor; 4-7 the same with BPF_FETCH (src_reg receives the old value);
 * 8 xchg; 9 cmpxchg (compares with r0, always loads the old value into r0).
 * 32-bit forms touch 4 bytes and zero-extend what they load. The model is
 * single-threaded, so each operation is trivially atomic.
 */

/** Atomic op `i` on the 4 bytes at `a`, src register `s`. */
export function atomic32(i: number, a: number, dv: DataView, L: Int32Array, H: Int32Array, s: number): void {
  const old = dv.getInt32(a, true);
  const v = L[s] as number;
  if (i < 8) {
    switch (i & 3) {
      case 0: dv.setInt32(a, (old + v) | 0, true); break;
      case 1: dv.setInt32(a, old | v, true); break;
      case 2: dv.setInt32(a, old & v, true); break;
      default: dv.setInt32(a, old ^ v, true); break;
    }
    if (i < 4) return;
  } else if (i === 8) {
    dv.setInt32(a, v, true);
  } else {
    if (old === L[0]) dv.setInt32(a, v, true);
    L[0] = old;
    H[0] = 0;
    return;
  }
  L[s] = old;
  H[s] = 0;
}

/** Atomic op `i` on the 8 bytes at `a`, src register `s`. */
export function atomic64(i: number, a: number, dv: DataView, L: Int32Array, H: Int32Array, s: number): void {
  const ol = dv.getInt32(a, true);
  const oh = dv.getInt32(a + 4, true);
  const vl = L[s] as number;
  const vh = H[s] as number;
  if (i === 9) {
    if (ol === L[0] && oh === H[0]) {
      dv.setInt32(a, vl, true);
      dv.setInt32(a + 4, vh, true);
    }
    L[0] = ol;
    H[0] = oh;
    return;
  }
  let nl = vl; // xchg stores src as is
  let nh = vh;
  if (i < 8) {
    switch (i & 3) {
      case 0: nl = (ol + vl) | 0; nh = (oh + vh + (nl >>> 0 < ol >>> 0 ? 1 : 0)) | 0; break;
      case 1: nl = ol | vl; nh = oh | vh; break;
      case 2: nl = ol & vl; nh = oh & vh; break;
      default: nl = ol ^ vl; nh = oh ^ vh; break;
    }
  }
  dv.setInt32(a, nl, true);
  dv.setInt32(a + 4, nh, true);
  if (i >= 4) {
    L[s] = ol;
    H[s] = oh;
  }
}
