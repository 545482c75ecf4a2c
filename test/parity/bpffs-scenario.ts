/**
 * @fileoverview The bpffs scenario of the parity suite: mkdir, BPF_OBJ_PIN,
 * BPF_OBJ_GET, unlink and rmdir over paths with `//`, `/./`, `..`, a
 * trailing `/`, names outside bpffs and the empty path, then the release of
 * a map whose last reference is a pin. It runs on any Backend inside a
 * private directory `root` of a bpffs mounted at /sys/fs/bpf, and returns
 * one line per step (the errno, or what the step read), so the model's lines
 * and Linux's can be compared as they are.
 *
 * @see kernel/bpf/inode.c bpf_obj_do_pin, bpf_obj_do_get, bpf_free_inode (v6.18)
 * @see fs/namei.c filename_create, do_unlinkat, do_rmdir (v6.18)
 */
import type { Backend } from "../../src/backend/backend.js";
import { BPF_MAP_CREATE, BPF_MAP_GET_FD_BY_ID, BPF_MAP_LOOKUP_ELEM, BPF_MAP_TYPE_ARRAY, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD, BPF_OBJ_PIN } from "../../src/uapi/bpf-enums.js";
import { ENOENT } from "../../src/uapi/errno.js";

/** The bpffs directory the scenario works in (removed at the end). */
export const BPFFS_PARITY_ROOT = "/sys/fs/bpf/structops-parity-bpffs";

/**
 * Runs the scenario. `settle` runs deferred frees (the model's grace
 * periods); `waitFreed` is called while a freed map's ID is still found, and
 * returns false to give up (Linux's RCU runs by itself).
 */
export function bpffsScenario(be: Backend, settle: () => void, waitFreed: () => boolean): string[] {
  const R = BPFFS_PARITY_ROOT;
  const out: string[] = [];
  const rec = (what: string, r: { ret: number; errno: number }): number => {
    out.push(`${what}: ${r.errno === 0 ? "ok" : `errno ${r.errno}`}`);
    return r.ret;
  };
  const value = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);
  const key0 = new Uint8Array(4);
  const map = be.bpf(BPF_MAP_CREATE, { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1 });
  if (map.errno !== 0) return [`map create: errno ${map.errno}`];
  const m = map.ret;
  be.bpf(BPF_MAP_UPDATE_ELEM, { map_fd: m, key: key0, value: value(0x5eed) });
  const info = new Uint8Array(16);
  be.bpf(BPF_OBJ_GET_INFO_BY_FD, { bpf_fd: m, info_len: info.length, info });
  const mapId = new DataView(info.buffer).getUint32(4, true);

  const pin = (p: string): void => void rec(`pin ${JSON.stringify(p)}`, be.bpf(BPF_OBJ_PIN, { pathname: p, bpf_fd: m }));
  const get = (p: string): void => {
    const r = be.bpf(BPF_OBJ_GET, { pathname: p });
    if (r.errno === 0) {
      const v = new Uint8Array(4);
      be.bpf(BPF_MAP_LOOKUP_ELEM, { map_fd: r.ret, key: key0, value: v });
      out.push(`get ${JSON.stringify(p)}: map value ${new Uint32Array(v.buffer)[0]?.toString(16)}`);
      be.close(r.ret);
    } else out.push(`get ${JSON.stringify(p)}: errno ${r.errno}`);
  };
  const unlink = (p: string): void => void rec(`unlink ${JSON.stringify(p)}`, be.unlink(p));
  const mkdir = (p: string): void => void rec(`mkdir ${JSON.stringify(p)}`, be.mkdir(p));
  const rmdir = (p: string): void => void rec(`rmdir ${JSON.stringify(p)}`, be.rmdir(p));

  mkdir(R);
  mkdir(`${R}/sub`);
  mkdir(`${R}/sub/`);
  // A trailing "/" on a new name asks for a directory: ENOENT; on an existing one, EEXIST.
  pin(`${R}/x/`);
  pin(`${R}/x`);
  pin(`${R}/x/`);
  get(`${R}/x/`);
  get(`${R}/x`);
  // Empty components and "." are skipped; ".." is the parent.
  pin(`${R}//y`);
  get(`${R}/y`);
  pin(`${R}/./z`);
  get(`${R}/z`);
  get(`${R}/./z`);
  get(`${R}//z`);
  pin(`${R}/sub/../w`);
  get(`${R}/w`);
  get(`${R}/sub/./../w`);
  pin(`${R}/sub/../sub/v`);
  get(`${R}/sub/v`);
  get(`${R}/../nothing`);
  // A last component "." or "..", an existing directory, the mount point: EEXIST.
  pin(`${R}/.`);
  pin(`${R}/..`);
  pin(`${R}/sub`);
  pin("/sys/fs/bpf");
  pin("/sys/fs/bpf/");
  pin("/sys/fs/bpf/..");
  // Missing directories, a pin used as a directory.
  pin(`${R}/nodir/a`);
  pin(`${R}/x/a`);
  get(`${R}/x/a`);
  get(`${R}/nope`);
  // A directory is no BPF object (bpf_inode_type: EACCES); so is a directory outside bpffs.
  get(R);
  get(`${R}/sub/`);
  get("/sys/fs/bpf/..");
  // A parent outside bpffs: EPERM (relative paths start outside too).
  pin("/sys/fs/bpf/../x");
  pin(`${R}/../../x`);
  pin("/tmp/structops-parity-bpffs-x");
  pin("structops-parity-bpffs-x");
  pin("");
  get("");
  // unlink: trailing "/" on a pin, directories, ".", a missing name.
  unlink(`${R}/x/`);
  unlink(`${R}/sub`);
  unlink(`${R}/sub/`);
  unlink(`${R}/.`);
  unlink(`${R}/..`);
  unlink(`${R}/nope`);
  unlink(`${R}/nodir/a`);
  unlink(`${R}/x/a`);
  unlink(`${R}/x`);
  get(`${R}/x`);
  unlink(`${R}/x`);
  unlink(`${R}/sub/../y`);
  unlink(`${R}//z`);
  unlink(`${R}/./w`);
  // rmdir: a non-empty directory, a pin, ".", "..", then empty ones.
  rmdir(`${R}/sub`);
  rmdir(`${R}/sub/v`);
  rmdir(`${R}/sub/.`);
  rmdir(`${R}/sub/..`);
  unlink(`${R}/sub/v`);
  rmdir(`${R}/sub/`);
  rmdir(`${R}/sub`);

  // The release: the fd is closed, two pins hold the map; unlinking one
  // leaves it reachable through the other; unlinking the last frees it.
  pin(`${R}/a`);
  pin(`${R}/b`);
  be.close(m);
  settle();
  unlink(`${R}/a`);
  settle();
  get(`${R}/b`);
  out.push(`map ID after one unlink: ${idState(be, mapId)}`);
  unlink(`${R}/b`);
  settle();
  let state = idState(be, mapId);
  while (state !== "gone" && waitFreed()) state = idState(be, mapId);
  out.push(`map ID after the last unlink: ${state}`);
  rmdir(R);
  return out;
}

/** Whether BPF_MAP_GET_FD_BY_ID still finds `id`: "live" or "gone". */
function idState(be: Backend, id: number): string {
  const r = be.bpf(BPF_MAP_GET_FD_BY_ID, { map_id: id });
  if (r.errno === 0) {
    be.close(r.ret);
    return "live";
  }
  return r.errno === ENOENT ? "gone" : `errno ${r.errno}`;
}
