/**
 * @fileoverview The packets c/delayline.c drops, recomputed: its loss draw is
 * a seeded xorshift64* (state = seed x 0x9E3779B97F4A7C15 + 1; one draw per
 * IPv4 packet on the data direction, dropped when the draw is below the loss
 * rate), so a Linux run's drop pattern follows from its seed alone. On the
 * data direction the sender emits the SYN, the handshake's ACK, then data
 * segments (retransmissions included), so forward packet k (0-based) is the
 * data segment of 1-based transmission index k - 1: what a scenario's
 * `drops: { segments: [...] }` replays.
 */

const MASK = (1n << 64n) - 1n;

/** The delay line's draws for `seed`, in [0, 1). */
export function* delayLineDraws(seed: number): Generator<number> {
  let s = (BigInt(seed) * 0x9e3779b97f4a7c15n + 1n) & MASK;
  for (;;) {
    s ^= s >> 12n;
    s = (s ^ (s << 25n)) & MASK;
    s ^= s >> 27n;
    const r = (s * 2685821657736338717n) & MASK;
    yield Number(r >> 11n) / 9007199254740992;
  }
}

/** 1-based data-segment transmission indices the delay line drops among the first `segments`, and whether the handshake lost a packet (then the indices shift). */
export function delayLineDropList(seed: number, lossRate: number, segments: number): { segments: number[]; handshakeLoss: boolean } {
  const out: number[] = [];
  let handshakeLoss = false;
  let k = 0;
  for (const u of delayLineDraws(seed)) {
    if (k >= segments + 2) break;
    if (u < lossRate) {
      if (k < 2) handshakeLoss = true;
      else out.push(k - 1);
    }
    k++;
  }
  return { segments: out, handshakeLoss };
}
