/**
 * @fileoverview bpf(2) enums of include/uapi/linux/bpf.h in kernel spelling:
 * commands, map, program, attach and link types, and the flag bits the model uses.
 *
 * Values were read from a Linux 6.18 kernel's BTF; `tools/check-uapi.ts`
 * compares them with the running kernel's BTF where one is available.
 */

// enum bpf_cmd
export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_MAP_UPDATE_ELEM = 2;
export const BPF_MAP_DELETE_ELEM = 3;
export const BPF_MAP_GET_NEXT_KEY = 4;
export const BPF_PROG_LOAD = 5;
export const BPF_OBJ_PIN = 6;
export const BPF_OBJ_GET = 7;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_DETACH = 9;
export const BPF_PROG_TEST_RUN = 10;
export const BPF_PROG_RUN = 10;
export const BPF_PROG_GET_NEXT_ID = 11;
export const BPF_MAP_GET_NEXT_ID = 12;
export const BPF_PROG_GET_FD_BY_ID = 13;
export const BPF_MAP_GET_FD_BY_ID = 14;
export const BPF_OBJ_GET_INFO_BY_FD = 15;
export const BPF_PROG_QUERY = 16;
export const BPF_RAW_TRACEPOINT_OPEN = 17;
export const BPF_BTF_LOAD = 18;
export const BPF_BTF_GET_FD_BY_ID = 19;
export const BPF_TASK_FD_QUERY = 20;
export const BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21;
export const BPF_MAP_FREEZE = 22;
export const BPF_BTF_GET_NEXT_ID = 23;
export const BPF_MAP_LOOKUP_BATCH = 24;
export const BPF_MAP_LOOKUP_AND_DELETE_BATCH = 25;
export const BPF_MAP_UPDATE_BATCH = 26;
export const BPF_MAP_DELETE_BATCH = 27;
export const BPF_LINK_CREATE = 28;
export const BPF_LINK_UPDATE = 29;
export const BPF_LINK_GET_FD_BY_ID = 30;
export const BPF_LINK_GET_NEXT_ID = 31;
export const BPF_ENABLE_STATS = 32;
export const BPF_ITER_CREATE = 33;
export const BPF_LINK_DETACH = 34;
export const BPF_PROG_BIND_MAP = 35;
export const BPF_TOKEN_CREATE = 36;
export const BPF_PROG_STREAM_READ_BY_FD = 37;
/** enum bpf_cmd: value → kernel spelling (first name for aliased values). */
export const BPF_CMD_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "BPF_MAP_CREATE"],
  [1, "BPF_MAP_LOOKUP_ELEM"],
  [2, "BPF_MAP_UPDATE_ELEM"],
  [3, "BPF_MAP_DELETE_ELEM"],
  [4, "BPF_MAP_GET_NEXT_KEY"],
  [5, "BPF_PROG_LOAD"],
  [6, "BPF_OBJ_PIN"],
  [7, "BPF_OBJ_GET"],
  [8, "BPF_PROG_ATTACH"],
  [9, "BPF_PROG_DETACH"],
  [10, "BPF_PROG_TEST_RUN"],
  [11, "BPF_PROG_GET_NEXT_ID"],
  [12, "BPF_MAP_GET_NEXT_ID"],
  [13, "BPF_PROG_GET_FD_BY_ID"],
  [14, "BPF_MAP_GET_FD_BY_ID"],
  [15, "BPF_OBJ_GET_INFO_BY_FD"],
  [16, "BPF_PROG_QUERY"],
  [17, "BPF_RAW_TRACEPOINT_OPEN"],
  [18, "BPF_BTF_LOAD"],
  [19, "BPF_BTF_GET_FD_BY_ID"],
  [20, "BPF_TASK_FD_QUERY"],
  [21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM"],
  [22, "BPF_MAP_FREEZE"],
  [23, "BPF_BTF_GET_NEXT_ID"],
  [24, "BPF_MAP_LOOKUP_BATCH"],
  [25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH"],
  [26, "BPF_MAP_UPDATE_BATCH"],
  [27, "BPF_MAP_DELETE_BATCH"],
  [28, "BPF_LINK_CREATE"],
  [29, "BPF_LINK_UPDATE"],
  [30, "BPF_LINK_GET_FD_BY_ID"],
  [31, "BPF_LINK_GET_NEXT_ID"],
  [32, "BPF_ENABLE_STATS"],
  [33, "BPF_ITER_CREATE"],
  [34, "BPF_LINK_DETACH"],
  [35, "BPF_PROG_BIND_MAP"],
  [36, "BPF_TOKEN_CREATE"],
  [37, "BPF_PROG_STREAM_READ_BY_FD"],
]);

// enum bpf_map_type
export const BPF_MAP_TYPE_UNSPEC = 0;
export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_STACK_TRACE = 7;
export const BPF_MAP_TYPE_CGROUP_ARRAY = 8;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_LPM_TRIE = 11;
export const BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
export const BPF_MAP_TYPE_HASH_OF_MAPS = 13;
export const BPF_MAP_TYPE_DEVMAP = 14;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_CPUMAP = 16;
export const BPF_MAP_TYPE_XSKMAP = 17;
export const BPF_MAP_TYPE_SOCKHASH = 18;
export const BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED = 19;
export const BPF_MAP_TYPE_CGROUP_STORAGE = 19;
export const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20;
export const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED = 21;
export const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21;
export const BPF_MAP_TYPE_QUEUE = 22;
export const BPF_MAP_TYPE_STACK = 23;
export const BPF_MAP_TYPE_SK_STORAGE = 24;
export const BPF_MAP_TYPE_DEVMAP_HASH = 25;
export const BPF_MAP_TYPE_STRUCT_OPS = 26;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_INODE_STORAGE = 28;
export const BPF_MAP_TYPE_TASK_STORAGE = 29;
export const BPF_MAP_TYPE_BLOOM_FILTER = 30;
export const BPF_MAP_TYPE_USER_RINGBUF = 31;
export const BPF_MAP_TYPE_CGRP_STORAGE = 32;
export const BPF_MAP_TYPE_ARENA = 33;
/** enum bpf_map_type: value → kernel spelling (first name for aliased values). */
export const BPF_MAP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "BPF_MAP_TYPE_UNSPEC"],
  [1, "BPF_MAP_TYPE_HASH"],
  [2, "BPF_MAP_TYPE_ARRAY"],
  [3, "BPF_MAP_TYPE_PROG_ARRAY"],
  [4, "BPF_MAP_TYPE_PERF_EVENT_ARRAY"],
  [5, "BPF_MAP_TYPE_PERCPU_HASH"],
  [6, "BPF_MAP_TYPE_PERCPU_ARRAY"],
  [7, "BPF_MAP_TYPE_STACK_TRACE"],
  [8, "BPF_MAP_TYPE_CGROUP_ARRAY"],
  [9, "BPF_MAP_TYPE_LRU_HASH"],
  [10, "BPF_MAP_TYPE_LRU_PERCPU_HASH"],
  [11, "BPF_MAP_TYPE_LPM_TRIE"],
  [12, "BPF_MAP_TYPE_ARRAY_OF_MAPS"],
  [13, "BPF_MAP_TYPE_HASH_OF_MAPS"],
  [14, "BPF_MAP_TYPE_DEVMAP"],
  [15, "BPF_MAP_TYPE_SOCKMAP"],
  [16, "BPF_MAP_TYPE_CPUMAP"],
  [17, "BPF_MAP_TYPE_XSKMAP"],
  [18, "BPF_MAP_TYPE_SOCKHASH"],
  [19, "BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED"],
  [20, "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY"],
  [21, "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED"],
  [22, "BPF_MAP_TYPE_QUEUE"],
  [23, "BPF_MAP_TYPE_STACK"],
  [24, "BPF_MAP_TYPE_SK_STORAGE"],
  [25, "BPF_MAP_TYPE_DEVMAP_HASH"],
  [26, "BPF_MAP_TYPE_STRUCT_OPS"],
  [27, "BPF_MAP_TYPE_RINGBUF"],
  [28, "BPF_MAP_TYPE_INODE_STORAGE"],
  [29, "BPF_MAP_TYPE_TASK_STORAGE"],
  [30, "BPF_MAP_TYPE_BLOOM_FILTER"],
  [31, "BPF_MAP_TYPE_USER_RINGBUF"],
  [32, "BPF_MAP_TYPE_CGRP_STORAGE"],
  [33, "BPF_MAP_TYPE_ARENA"],
]);

// enum bpf_prog_type
export const BPF_PROG_TYPE_UNSPEC = 0;
export const BPF_PROG_TYPE_SOCKET_FILTER = 1;
export const BPF_PROG_TYPE_KPROBE = 2;
export const BPF_PROG_TYPE_SCHED_CLS = 3;
export const BPF_PROG_TYPE_SCHED_ACT = 4;
export const BPF_PROG_TYPE_TRACEPOINT = 5;
export const BPF_PROG_TYPE_XDP = 6;
export const BPF_PROG_TYPE_PERF_EVENT = 7;
export const BPF_PROG_TYPE_CGROUP_SKB = 8;
export const BPF_PROG_TYPE_CGROUP_SOCK = 9;
export const BPF_PROG_TYPE_LWT_IN = 10;
export const BPF_PROG_TYPE_LWT_OUT = 11;
export const BPF_PROG_TYPE_LWT_XMIT = 12;
export const BPF_PROG_TYPE_SOCK_OPS = 13;
export const BPF_PROG_TYPE_SK_SKB = 14;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_PROG_TYPE_SK_MSG = 16;
export const BPF_PROG_TYPE_RAW_TRACEPOINT = 17;
export const BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;
export const BPF_PROG_TYPE_LWT_SEG6LOCAL = 19;
export const BPF_PROG_TYPE_LIRC_MODE2 = 20;
export const BPF_PROG_TYPE_SK_REUSEPORT = 21;
export const BPF_PROG_TYPE_FLOW_DISSECTOR = 22;
export const BPF_PROG_TYPE_CGROUP_SYSCTL = 23;
export const BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE = 24;
export const BPF_PROG_TYPE_CGROUP_SOCKOPT = 25;
export const BPF_PROG_TYPE_TRACING = 26;
export const BPF_PROG_TYPE_STRUCT_OPS = 27;
export const BPF_PROG_TYPE_EXT = 28;
export const BPF_PROG_TYPE_LSM = 29;
export const BPF_PROG_TYPE_SK_LOOKUP = 30;
export const BPF_PROG_TYPE_SYSCALL = 31;
export const BPF_PROG_TYPE_NETFILTER = 32;
/** enum bpf_prog_type: value → kernel spelling (first name for aliased values). */
export const BPF_PROG_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "BPF_PROG_TYPE_UNSPEC"],
  [1, "BPF_PROG_TYPE_SOCKET_FILTER"],
  [2, "BPF_PROG_TYPE_KPROBE"],
  [3, "BPF_PROG_TYPE_SCHED_CLS"],
  [4, "BPF_PROG_TYPE_SCHED_ACT"],
  [5, "BPF_PROG_TYPE_TRACEPOINT"],
  [6, "BPF_PROG_TYPE_XDP"],
  [7, "BPF_PROG_TYPE_PERF_EVENT"],
  [8, "BPF_PROG_TYPE_CGROUP_SKB"],
  [9, "BPF_PROG_TYPE_CGROUP_SOCK"],
  [10, "BPF_PROG_TYPE_LWT_IN"],
  [11, "BPF_PROG_TYPE_LWT_OUT"],
  [12, "BPF_PROG_TYPE_LWT_XMIT"],
  [13, "BPF_PROG_TYPE_SOCK_OPS"],
  [14, "BPF_PROG_TYPE_SK_SKB"],
  [15, "BPF_PROG_TYPE_CGROUP_DEVICE"],
  [16, "BPF_PROG_TYPE_SK_MSG"],
  [17, "BPF_PROG_TYPE_RAW_TRACEPOINT"],
  [18, "BPF_PROG_TYPE_CGROUP_SOCK_ADDR"],
  [19, "BPF_PROG_TYPE_LWT_SEG6LOCAL"],
  [20, "BPF_PROG_TYPE_LIRC_MODE2"],
  [21, "BPF_PROG_TYPE_SK_REUSEPORT"],
  [22, "BPF_PROG_TYPE_FLOW_DISSECTOR"],
  [23, "BPF_PROG_TYPE_CGROUP_SYSCTL"],
  [24, "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"],
  [25, "BPF_PROG_TYPE_CGROUP_SOCKOPT"],
  [26, "BPF_PROG_TYPE_TRACING"],
  [27, "BPF_PROG_TYPE_STRUCT_OPS"],
  [28, "BPF_PROG_TYPE_EXT"],
  [29, "BPF_PROG_TYPE_LSM"],
  [30, "BPF_PROG_TYPE_SK_LOOKUP"],
  [31, "BPF_PROG_TYPE_SYSCALL"],
  [32, "BPF_PROG_TYPE_NETFILTER"],
]);

// enum bpf_attach_type
export const BPF_CGROUP_INET_INGRESS = 0;
export const BPF_CGROUP_INET_EGRESS = 1;
export const BPF_CGROUP_INET_SOCK_CREATE = 2;
export const BPF_CGROUP_SOCK_OPS = 3;
export const BPF_SK_SKB_STREAM_PARSER = 4;
export const BPF_SK_SKB_STREAM_VERDICT = 5;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_SK_MSG_VERDICT = 7;
export const BPF_CGROUP_INET4_BIND = 8;
export const BPF_CGROUP_INET6_BIND = 9;
export const BPF_CGROUP_INET4_CONNECT = 10;
export const BPF_CGROUP_INET6_CONNECT = 11;
export const BPF_CGROUP_INET4_POST_BIND = 12;
export const BPF_CGROUP_INET6_POST_BIND = 13;
export const BPF_CGROUP_UDP4_SENDMSG = 14;
export const BPF_CGROUP_UDP6_SENDMSG = 15;
export const BPF_LIRC_MODE2 = 16;
export const BPF_FLOW_DISSECTOR = 17;
export const BPF_CGROUP_SYSCTL = 18;
export const BPF_CGROUP_UDP4_RECVMSG = 19;
export const BPF_CGROUP_UDP6_RECVMSG = 20;
export const BPF_CGROUP_GETSOCKOPT = 21;
export const BPF_CGROUP_SETSOCKOPT = 22;
export const BPF_TRACE_RAW_TP = 23;
export const BPF_TRACE_FENTRY = 24;
export const BPF_TRACE_FEXIT = 25;
export const BPF_MODIFY_RETURN = 26;
export const BPF_LSM_MAC = 27;
export const BPF_TRACE_ITER = 28;
export const BPF_CGROUP_INET4_GETPEERNAME = 29;
export const BPF_CGROUP_INET6_GETPEERNAME = 30;
export const BPF_CGROUP_INET4_GETSOCKNAME = 31;
export const BPF_CGROUP_INET6_GETSOCKNAME = 32;
export const BPF_XDP_DEVMAP = 33;
export const BPF_CGROUP_INET_SOCK_RELEASE = 34;
export const BPF_XDP_CPUMAP = 35;
export const BPF_SK_LOOKUP = 36;
export const BPF_XDP = 37;
export const BPF_SK_SKB_VERDICT = 38;
export const BPF_SK_REUSEPORT_SELECT = 39;
export const BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40;
export const BPF_PERF_EVENT = 41;
export const BPF_TRACE_KPROBE_MULTI = 42;
export const BPF_LSM_CGROUP = 43;
export const BPF_STRUCT_OPS = 44;
export const BPF_NETFILTER = 45;
export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
export const BPF_TRACE_UPROBE_MULTI = 48;
export const BPF_CGROUP_UNIX_CONNECT = 49;
export const BPF_CGROUP_UNIX_SENDMSG = 50;
export const BPF_CGROUP_UNIX_RECVMSG = 51;
export const BPF_CGROUP_UNIX_GETPEERNAME = 52;
export const BPF_CGROUP_UNIX_GETSOCKNAME = 53;
export const BPF_NETKIT_PRIMARY = 54;
export const BPF_NETKIT_PEER = 55;
export const BPF_TRACE_KPROBE_SESSION = 56;
export const BPF_TRACE_UPROBE_SESSION = 57;
/** enum bpf_attach_type: value → kernel spelling (first name for aliased values). */
export const BPF_ATTACH_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "BPF_CGROUP_INET_INGRESS"],
  [1, "BPF_CGROUP_INET_EGRESS"],
  [2, "BPF_CGROUP_INET_SOCK_CREATE"],
  [3, "BPF_CGROUP_SOCK_OPS"],
  [4, "BPF_SK_SKB_STREAM_PARSER"],
  [5, "BPF_SK_SKB_STREAM_VERDICT"],
  [6, "BPF_CGROUP_DEVICE"],
  [7, "BPF_SK_MSG_VERDICT"],
  [8, "BPF_CGROUP_INET4_BIND"],
  [9, "BPF_CGROUP_INET6_BIND"],
  [10, "BPF_CGROUP_INET4_CONNECT"],
  [11, "BPF_CGROUP_INET6_CONNECT"],
  [12, "BPF_CGROUP_INET4_POST_BIND"],
  [13, "BPF_CGROUP_INET6_POST_BIND"],
  [14, "BPF_CGROUP_UDP4_SENDMSG"],
  [15, "BPF_CGROUP_UDP6_SENDMSG"],
  [16, "BPF_LIRC_MODE2"],
  [17, "BPF_FLOW_DISSECTOR"],
  [18, "BPF_CGROUP_SYSCTL"],
  [19, "BPF_CGROUP_UDP4_RECVMSG"],
  [20, "BPF_CGROUP_UDP6_RECVMSG"],
  [21, "BPF_CGROUP_GETSOCKOPT"],
  [22, "BPF_CGROUP_SETSOCKOPT"],
  [23, "BPF_TRACE_RAW_TP"],
  [24, "BPF_TRACE_FENTRY"],
  [25, "BPF_TRACE_FEXIT"],
  [26, "BPF_MODIFY_RETURN"],
  [27, "BPF_LSM_MAC"],
  [28, "BPF_TRACE_ITER"],
  [29, "BPF_CGROUP_INET4_GETPEERNAME"],
  [30, "BPF_CGROUP_INET6_GETPEERNAME"],
  [31, "BPF_CGROUP_INET4_GETSOCKNAME"],
  [32, "BPF_CGROUP_INET6_GETSOCKNAME"],
  [33, "BPF_XDP_DEVMAP"],
  [34, "BPF_CGROUP_INET_SOCK_RELEASE"],
  [35, "BPF_XDP_CPUMAP"],
  [36, "BPF_SK_LOOKUP"],
  [37, "BPF_XDP"],
  [38, "BPF_SK_SKB_VERDICT"],
  [39, "BPF_SK_REUSEPORT_SELECT"],
  [40, "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE"],
  [41, "BPF_PERF_EVENT"],
  [42, "BPF_TRACE_KPROBE_MULTI"],
  [43, "BPF_LSM_CGROUP"],
  [44, "BPF_STRUCT_OPS"],
  [45, "BPF_NETFILTER"],
  [46, "BPF_TCX_INGRESS"],
  [47, "BPF_TCX_EGRESS"],
  [48, "BPF_TRACE_UPROBE_MULTI"],
  [49, "BPF_CGROUP_UNIX_CONNECT"],
  [50, "BPF_CGROUP_UNIX_SENDMSG"],
  [51, "BPF_CGROUP_UNIX_RECVMSG"],
  [52, "BPF_CGROUP_UNIX_GETPEERNAME"],
  [53, "BPF_CGROUP_UNIX_GETSOCKNAME"],
  [54, "BPF_NETKIT_PRIMARY"],
  [55, "BPF_NETKIT_PEER"],
  [56, "BPF_TRACE_KPROBE_SESSION"],
  [57, "BPF_TRACE_UPROBE_SESSION"],
]);

// enum bpf_link_type
export const BPF_LINK_TYPE_UNSPEC = 0;
export const BPF_LINK_TYPE_RAW_TRACEPOINT = 1;
export const BPF_LINK_TYPE_TRACING = 2;
export const BPF_LINK_TYPE_CGROUP = 3;
export const BPF_LINK_TYPE_ITER = 4;
export const BPF_LINK_TYPE_NETNS = 5;
export const BPF_LINK_TYPE_XDP = 6;
export const BPF_LINK_TYPE_PERF_EVENT = 7;
export const BPF_LINK_TYPE_KPROBE_MULTI = 8;
export const BPF_LINK_TYPE_STRUCT_OPS = 9;
export const BPF_LINK_TYPE_NETFILTER = 10;
export const BPF_LINK_TYPE_TCX = 11;
export const BPF_LINK_TYPE_UPROBE_MULTI = 12;
export const BPF_LINK_TYPE_NETKIT = 13;
export const BPF_LINK_TYPE_SOCKMAP = 14;
/** enum bpf_link_type: value → kernel spelling (first name for aliased values). */
export const BPF_LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "BPF_LINK_TYPE_UNSPEC"],
  [1, "BPF_LINK_TYPE_RAW_TRACEPOINT"],
  [2, "BPF_LINK_TYPE_TRACING"],
  [3, "BPF_LINK_TYPE_CGROUP"],
  [4, "BPF_LINK_TYPE_ITER"],
  [5, "BPF_LINK_TYPE_NETNS"],
  [6, "BPF_LINK_TYPE_XDP"],
  [7, "BPF_LINK_TYPE_PERF_EVENT"],
  [8, "BPF_LINK_TYPE_KPROBE_MULTI"],
  [9, "BPF_LINK_TYPE_STRUCT_OPS"],
  [10, "BPF_LINK_TYPE_NETFILTER"],
  [11, "BPF_LINK_TYPE_TCX"],
  [12, "BPF_LINK_TYPE_UPROBE_MULTI"],
  [13, "BPF_LINK_TYPE_NETKIT"],
  [14, "BPF_LINK_TYPE_SOCKMAP"],
]);
/** BPF_PROG_ASSOC_STRUCT_OPS (bpf-next 2025; not in Linux 6.18): listed for completeness, not served. */
export const BPF_PROG_ASSOC_STRUCT_OPS = 38;
