/**
 * @fileoverview An owning file descriptor (Rust's `std::os::fd::OwnedFd`,
 * cilium/ebpf's `internal/sys.FD`): one kernel object reference that the
 * library opened on a backend and must close exactly once. Close is
 * idempotent; the number is never read after it, so no `-1` sentinel stands
 * in for "none" (an absent fd is `undefined`).
 */
import type { Backend } from "../backend/backend.js";

/** A descriptor the library owns on `backend`. */
export class OwnedFd {
  private value: number | undefined;

  constructor(readonly backend: Backend, fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`OwnedFd: ${fd} is not a file descriptor`);
    this.value = fd;
  }

  /** The descriptor number, for a bpf(2) attribute. @throws {Error} once closed: a use after close is a bug */
  get raw(): number {
    if (this.value === undefined) throw new Error("OwnedFd: use after close");
    return this.value;
  }

  get closed(): boolean {
    return this.value === undefined;
  }

  /** close(2) on the backend, the first time only. */
  close(): void {
    const fd = this.value;
    if (fd === undefined) return;
    this.value = undefined;
    this.backend.close(fd);
  }
}

