/**
 * @fileoverview The ACK-processing flags of net/ipv4/tcp_input.c (FLAG_*),
 * with Linux's values: cong_control() receives them as its `flag` argument.
 */
export const FLAG_DATA = 0x01;
export const FLAG_WIN_UPDATE = 0x02;
export const FLAG_DATA_ACKED = 0x04;
export const FLAG_RETRANS_DATA_ACKED = 0x08;
export const FLAG_SYN_ACKED = 0x10;
export const FLAG_DATA_SACKED = 0x20;
export const FLAG_ECE = 0x40;
export const FLAG_LOST_RETRANS = 0x80;
export const FLAG_SLOWPATH = 0x100;
export const FLAG_ORIG_SACK_ACKED = 0x200;
export const FLAG_SND_UNA_ADVANCED = 0x400;
export const FLAG_DSACKING_ACK = 0x800;
export const FLAG_SET_XMIT_TIMER = 0x1000;
export const FLAG_ACK_MAYBE_DELAYED = 0x10000;

export const FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
export const FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
export const FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK;
export const FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;
