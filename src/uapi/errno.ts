/**
 * @fileoverview Linux errno values (include/uapi/asm-generic/errno-base.h,
 * errno.h, and the kernel-internal include/linux/errno.h values that leak to
 * userspace such as ENOTSUPP = 524).
 *
 * Inside the model errnos travel as positive numbers in `{ ret, errno }`
 * results and as negative numbers in kernel-internal integer returns, exactly
 * like the kernel's `-EINVAL` convention.
 */

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENOMSG = 42;
export const ENODATA = 61;
export const ETIME = 62;
export const ENOLINK = 67;
export const EPROTO = 71;
export const EOVERFLOW = 75;
export const EBADFD = 77;
export const EILSEQ = 84;
export const ENOTSOCK = 88;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const EOPNOTSUPP = 95;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EALREADY = 114;
export const EINPROGRESS = 115;
export const ECANCELED = 125;
/** Kernel-internal "operation not supported" (include/linux/errno.h); distinct from EOPNOTSUPP. */
export const ENOTSUPP = 524;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries({
    EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM, EACCES,
    EFAULT, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY, EFBIG,
    ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, EDOM, ERANGE, EDEADLK, ENAMETOOLONG, ENOSYS, ENOTEMPTY,
    ELOOP, ENOMSG, ENODATA, ETIME, ENOLINK, EPROTO, EOVERFLOW, EBADFD, EILSEQ, ENOTSOCK, EMSGSIZE,
    EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT, EADDRINUSE, ENETDOWN,
    ENETUNREACH, ECONNRESET, ENOBUFS, EISCONN, ENOTCONN, ETIMEDOUT, ECONNREFUSED, EALREADY,
    EINPROGRESS, ECANCELED, ENOTSUPP,
  }).map(([k, v]) => [v, k]),
);

/** The kernel spelling of an errno value (`22` → `"EINVAL"`); unknown values print as `E<n>`. */
export function errnoName(errno: number): string {
  const e = Math.abs(errno);
  return NAMES.get(e) ?? `E${e}`;
}

/**
 * The one way an errno is shown to a user: its kernel spelling and its value,
 * `ENOENT (2)` (sign ignored, so `-ENOENT` prints the same).
 */
export function formatErrno(errno: number): string {
  return `${errnoName(errno)} (${Math.abs(errno)})`;
}

/** The errno value of a kernel spelling (`"EINVAL"` → 22), or undefined. */
export function errnoValue(name: string): number | undefined {
  for (const [v, n] of NAMES) if (n === name) return v;
  return undefined;
}
