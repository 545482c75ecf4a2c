/**
 * @fileoverview The kernel's character classes (lib/ctype.c, include/linux/ctype.h):
 * the Latin-1 table behind isalpha, isalnum and isprint, which btf.c's name
 * checks (btf_name_valid_identifier, btf_name_valid_section) use. Bytes
 * 0xc0-0xff are letters except 0xd7 and 0xf7; 0xa0 is a space, 0xa1-0xbf
 * punctuation.
 */

const U = 1, L = 2, D = 4, P = 16, SP = 128;
const CTYPE = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) CTYPE[c] = P;
CTYPE[0x20] = SP;
for (let c = 0x30; c <= 0x39; c++) CTYPE[c] = D;
for (let c = 0x41; c <= 0x5a; c++) CTYPE[c] = U;
for (let c = 0x61; c <= 0x7a; c++) CTYPE[c] = L;
CTYPE[0xa0] = SP;
for (let c = 0xa1; c <= 0xbf; c++) CTYPE[c] = P;
for (let c = 0xc0; c <= 0xde; c++) CTYPE[c] = U;
for (let c = 0xdf; c <= 0xff; c++) CTYPE[c] = L;
CTYPE[0xd7] = P;
CTYPE[0xf7] = P;

/** isalpha: an upper- or lower-case letter. */
export const isalpha = (c: number): boolean => ((CTYPE[c] ?? 0) & (U | L)) !== 0;
/** isalnum: a letter or a digit. */
export const isalnum = (c: number): boolean => ((CTYPE[c] ?? 0) & (U | L | D)) !== 0;
/** isprint: punctuation, a letter, a digit or a space. */
export const isprint = (c: number): boolean => ((CTYPE[c] ?? 0) & (P | U | L | D | SP)) !== 0;
