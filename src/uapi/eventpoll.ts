/**
 * @fileoverview poll(2)/epoll event bits (include/uapi/linux/eventpoll.h and
 * asm-generic/poll.h) and the VFS's DEFAULT_POLLMASK (include/linux/poll.h).
 */

export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040;
export const EPOLLWRNORM = 0x100;

/** What poll reports for a file without a poll op: always readable and writable. */
export const DEFAULT_POLLMASK = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;
