/*
 * structops_linux: the raw Linux system calls behind src/backend/linux.
 *
 * An N-API addon that does no policy: every function makes one system call
 * (or a fixed short sequence: listen = socket+bind+listen+getsockname,
 * lo_up = SIOCGIFFLAGS+SIOCSIFFLAGS) and returns [ret, errno, ...] exactly as
 * the kernel reported them. The TypeScript side encodes `union bpf_attr` with
 * src/uapi and passes the buffers its pointer fields name as (offset, buffer)
 * fixups; this file writes each buffer's address at its offset in a private
 * copy of the attr, calls bpf(2), and copies the attr back so fields the
 * kernel writes (next_id, info_len, log_true_size) reach the caller.
 *
 * The socket calls also come one at a time (socket, bind, listen, connect,
 * getsockname), pidfdGetfd copies another process's fd (pidfd_getfd(2)),
 * and capget/capset change the calling thread's effective
 * capabilities, so a test can call as an unprivileged process.
 *
 * tcpSockets lists the TCP sockets of the current network namespace with
 * their congestion control as `ss -ti` does: a NETLINK_SOCK_DIAG dump
 * (SOCK_DIAG_BY_FAMILY, struct inet_diag_req_v2, idiag_ext with the
 * INET_DIAG_CONG bit) for AF_INET, then AF_INET6.
 *
 * Follows bpf(2), pidfd_open(2), pidfd_getfd(2), capget(2), socket(7), tcp(7), poll(2), unshare(2), setns(2),
 * netdevice(7), netlink(7), sock_diag(7). Linux only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/capability.h>
#include <node_api.h>

#define MAX_ATTR 4096
#define MAX_FIXUPS 16
#define CA_NAME_MAX 16 /* CA_NAME_MAX of include/net/tcp.h */

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

/* [ret, errno, ...extra] */
static napi_value result(napi_env env, int64_t ret, int err, napi_value extra) {
  napi_value arr;
  napi_create_array(env, &arr);
  napi_set_element(env, arr, 0, make_int(env, ret));
  napi_set_element(env, arr, 1, make_int(env, ret < 0 ? err : 0));
  if (extra != NULL) napi_set_element(env, arr, 2, extra);
  return arr;
}

static int throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return -1;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  if (argc < want) return throw_type(env, "structops_linux: too few arguments");
  return 0;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) return throw_type(env, "structops_linux: expected a number");
  return 0;
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  napi_value ab;
  size_t off;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return throw_type(env, "structops_linux: expected a Uint8Array");
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_uint8_array)
    return throw_type(env, "structops_linux: expected a Uint8Array");
  *data = (uint8_t *)ptr;
  return 0;
}

/* bpf(cmd, attr: Uint8Array, size, fixups: Array<[offset, Uint8Array]>) -> [ret, errno] */
static napi_value js_bpf(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t cmd, size;
  uint8_t *attr;
  size_t attr_len;
  uint32_t nfix = 0;
  static uint8_t buf[MAX_ATTR];
  if (get_args(env, info, 4, argv) || get_i32(env, argv[0], &cmd) || get_bytes(env, argv[1], &attr, &attr_len) ||
      get_i32(env, argv[2], &size))
    return NULL;
  if (attr_len > MAX_ATTR || size < 0 || (size_t)size > attr_len) {
    throw_type(env, "structops_linux: attr size out of range");
    return NULL;
  }
  memset(buf, 0, sizeof buf);
  memcpy(buf, attr, attr_len);
  napi_get_array_length(env, argv[3], &nfix);
  if (nfix > MAX_FIXUPS) {
    throw_type(env, "structops_linux: too many pointer fixups");
    return NULL;
  }
  for (uint32_t i = 0; i < nfix; i++) {
    napi_value pair, v0, v1;
    int32_t off;
    uint8_t *data;
    size_t len;
    napi_get_element(env, argv[3], i, &pair);
    napi_get_element(env, pair, 0, &v0);
    napi_get_element(env, pair, 1, &v1);
    if (get_i32(env, v0, &off) || get_bytes(env, v1, &data, &len)) return NULL;
    if (off < 0 || (size_t)off + 8 > attr_len) {
      throw_type(env, "structops_linux: fixup offset out of range");
      return NULL;
    }
    uint64_t addr = (uint64_t)(uintptr_t)data;
    memcpy(buf + off, &addr, 8);
  }
  long r = syscall(SYS_bpf, cmd, buf, (unsigned int)size);
  int err = errno;
  memcpy(attr, buf, attr_len);
  return result(env, r, err, NULL);
}

/* close(fd) -> [ret, errno] */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  int r = close(fd);
  return result(env, r, errno, NULL);
}

/* poll(fd, events) with a zero timeout -> [ret, errno, revents] */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, events;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &fd) || get_i32(env, argv[1], &events)) return NULL;
  struct pollfd p = { .fd = fd, .events = (short)events, .revents = 0 };
  int r = poll(&p, 1, 0);
  int err = errno;
  return result(env, r, err, make_int(env, p.revents));
}

/* tcpListen() on 127.0.0.1, an ephemeral port -> [fd, errno, port] */
static napi_value js_tcp_listen(napi_env env, napi_callback_info info) {
  (void)info;
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return result(env, -1, errno, make_int(env, 0));
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
    int err = errno;
    close(fd);
    return result(env, -1, err, make_int(env, 0));
  }
  return result(env, fd, 0, make_int(env, ntohs(a.sin_port)));
}

/*
 * SO_LINGER {on, 0}: close() resets the connection and destroys the socket at
 * once, so its congestion control is released (ca->release runs, a BPF CA's
 * map reference drops) before close() returns, as in the emulated kernel.
 */
static void linger0(int fd) {
  struct linger l = { .l_onoff = 1, .l_linger = 0 };
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

/* tcpConnect(port) to 127.0.0.1 (blocking) -> [fd, errno] */
static napi_value js_tcp_connect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t port;
  struct sockaddr_in a;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &port)) return NULL;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return result(env, -1, errno, NULL);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((uint16_t)port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int err = errno;
    close(fd);
    return result(env, -1, err, NULL);
  }
  linger0(fd);
  return result(env, fd, 0, NULL);
}

/* accept(fd) -> [fd, errno] */
static napi_value js_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  int r = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  int err = errno;
  if (r >= 0) linger0(r);
  return result(env, r, err, NULL);
}

/* setCongestion(fd, name) -> [ret, errno] */
static napi_value js_set_congestion(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  char name[64];
  size_t len = 0;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &fd)) return NULL;
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    throw_type(env, "structops_linux: expected a string");
    return NULL;
  }
  int r = setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, (socklen_t)len);
  return result(env, r, errno, NULL);
}

/* getCongestion(fd) -> [ret, errno, name] */
static napi_value js_get_congestion(napi_env env, napi_callback_info info) {
  napi_value argv[1], s;
  int32_t fd;
  char name[CA_NAME_MAX + 1];
  socklen_t len = CA_NAME_MAX;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  memset(name, 0, sizeof name);
  int r = getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len);
  int err = errno;
  napi_create_string_utf8(env, name, strnlen(name, CA_NAME_MAX), &s);
  return result(env, r, err, s);
}

/* tcpInfo(fd) -> [ret, errno, Uint8Array(struct tcp_info as the kernel filled it)] */
static napi_value js_tcp_info(napi_env env, napi_callback_info info) {
  napi_value argv[1], ab, ta;
  int32_t fd;
  uint8_t raw[512];
  socklen_t len = sizeof raw;
  void *data;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  memset(raw, 0, sizeof raw);
  int r = getsockopt(fd, IPPROTO_TCP, TCP_INFO, raw, &len);
  int err = errno;
  if (r < 0) len = 0;
  napi_create_arraybuffer(env, len, &data, &ab);
  memcpy(data, raw, len);
  napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &ta);
  return result(env, r, err, ta);
}

/*
 * The socket calls one by one, for sockets whose congestion-control hooks run
 * at the points Linux calls them: tcpSocket() -> [fd, errno];
 * bindLoopback(fd, port) -> [ret, errno] (127.0.0.1, port 0 = ephemeral);
 * listenFd(fd, backlog) -> [ret, errno]; connectLoopback(fd, port) ->
 * [ret, errno] (blocking); localPort(fd) -> [ret, errno, port] (getsockname).
 * Sockets made here close with SO_LINGER 0 (a reset), as tcpConnect's.
 */
static napi_value js_tcp_socket(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int err = errno;
  if (fd >= 0) linger0(fd);
  return result(env, fd, err, NULL);
}

static void loopback(struct sockaddr_in *a, int32_t port) {
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->sin_port = htons((uint16_t)port);
}

static napi_value js_bind_loopback(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, port;
  struct sockaddr_in a;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &fd) || get_i32(env, argv[1], &port)) return NULL;
  loopback(&a, port);
  int r = bind(fd, (struct sockaddr *)&a, sizeof a);
  return result(env, r, errno, NULL);
}

static napi_value js_listen_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, backlog;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &fd) || get_i32(env, argv[1], &backlog)) return NULL;
  int r = listen(fd, backlog);
  return result(env, r, errno, NULL);
}

static napi_value js_connect_loopback(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, port;
  struct sockaddr_in a;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &fd) || get_i32(env, argv[1], &port)) return NULL;
  loopback(&a, port);
  int r = connect(fd, (struct sockaddr *)&a, sizeof a);
  return result(env, r, errno, NULL);
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  memset(&a, 0, sizeof a);
  int r = getsockname(fd, (struct sockaddr *)&a, &alen);
  int err = errno;
  return result(env, r, err, make_int(env, r < 0 ? 0 : ntohs(a.sin_port)));
}

/*
 * Capabilities of the calling thread (capget/capset(2), _LINUX_CAPABILITY_VERSION_3):
 * capGetEffective() -> [ret, errno, low32, high32]; capSetEffective(low32, high32)
 * -> [ret, errno] sets the effective set, keeping permitted and inheritable,
 * so a dropped capability can be raised again. Credentials are per thread:
 * only calls made from this thread run with the new set.
 */
static napi_value js_cap_get_effective(napi_env env, napi_callback_info info) {
  (void)info;
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  int r = (int)syscall(SYS_capget, &h, d);
  int err = errno;
  napi_value arr = result(env, r, err, make_int(env, d[0].effective));
  napi_set_element(env, arr, 3, make_int(env, d[1].effective));
  return arr;
}

static napi_value js_cap_set_effective(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t lo, hi;
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &lo) || get_i32(env, argv[1], &hi)) return NULL;
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, d) < 0) return result(env, -1, errno, NULL);
  d[0].effective = (uint32_t)lo;
  d[1].effective = (uint32_t)hi;
  int r = (int)syscall(SYS_capset, &h, d);
  return result(env, r, errno, NULL);
}

/* unshareNet() -> [ret, errno]: the calling thread gets a fresh network namespace. */
static napi_value js_unshare_net(napi_env env, napi_callback_info info) {
  (void)info;
  int r = unshare(CLONE_NEWNET);
  return result(env, r, errno, NULL);
}

/* openNetns() -> [fd, errno]: an fd for the calling thread's network namespace. */
static napi_value js_open_netns(napi_env env, napi_callback_info info) {
  (void)info;
  int r = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  return result(env, r, errno, NULL);
}

/* setNetns(fd) -> [ret, errno] */
static napi_value js_set_netns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || get_i32(env, argv[0], &fd)) return NULL;
  int r = setns(fd, CLONE_NEWNET);
  return result(env, r, errno, NULL);
}

/* pidfdGetfd(pid, fd) -> [fd, errno]: a copy of another process's fd (pidfd_open + pidfd_getfd, Linux 5.6). */
static napi_value js_pidfd_getfd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid, fd;
  if (get_args(env, info, 2, argv) || get_i32(env, argv[0], &pid) || get_i32(env, argv[1], &fd)) return NULL;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return result(env, -1, errno, NULL);
  int r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  int err = errno;
  close(pidfd);
  return result(env, r, err, NULL);
#else
  return result(env, -1, ENOSYS, NULL);
#endif
}

/* loUp() -> [ret, errno]: sets IFF_UP on "lo" in the current network namespace. */
static napi_value js_lo_up(napi_env env, napi_callback_info info) {
  (void)info;
  struct ifreq ifr;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return result(env, -1, errno, NULL);
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int r = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (r == 0) {
    ifr.ifr_flags |= IFF_UP;
    r = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int err = errno;
  close(s);
  return result(env, r, err, NULL);
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *v, size_t len) {
  napi_value s;
  napi_create_string_utf8(env, v, len, &s);
  napi_set_named_property(env, obj, key, s);
}

static void set_int(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_set_named_property(env, obj, key, make_int(env, v));
}

/* One inet_diag_msg (and its attributes, `len` bytes in all) appended to `arr`; -1 when malformed. */
static int diag_entry(napi_env env, napi_value arr, uint32_t *n, const struct inet_diag_msg *m, size_t len) {
  char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
  napi_value obj, cc;
  int af = m->idiag_family;
  if (af != AF_INET && af != AF_INET6) return -1;
  if (inet_ntop(af, m->id.idiag_src, src, sizeof src) == NULL || inet_ntop(af, m->id.idiag_dst, dst, sizeof dst) == NULL) return -1;
  napi_create_object(env, &obj);
  set_int(env, obj, "family", af);
  set_int(env, obj, "state", m->idiag_state);
  set_str(env, obj, "src", src, strlen(src));
  set_int(env, obj, "sport", ntohs(m->id.idiag_sport));
  set_str(env, obj, "dst", dst, strlen(dst));
  set_int(env, obj, "dport", ntohs(m->id.idiag_dport));
  set_int(env, obj, "inode", m->idiag_inode);
  napi_get_null(env, &cc);
  napi_set_named_property(env, obj, "cc", cc);
  size_t off = NLMSG_ALIGN(sizeof *m);
  while (off + sizeof(struct nlattr) <= len) {
    const struct nlattr *a = (const struct nlattr *)((const uint8_t *)m + off);
    if (a->nla_len < sizeof *a || a->nla_len > len - off) return -1;
    if ((a->nla_type & NLA_TYPE_MASK) == INET_DIAG_CONG) {
      const char *name = (const char *)a + NLA_HDRLEN;
      size_t max = a->nla_len - NLA_HDRLEN;
      set_str(env, obj, "cc", name, strnlen(name, max));
    }
    off += NLA_ALIGN(a->nla_len);
  }
  napi_set_element(env, arr, (*n)++, obj);
  return 0;
}

/* One family's dump into `arr`; 0, or a positive errno (EPROTO for a malformed reply). */
static int diag_dump(napi_env env, napi_value arr, uint32_t *n, int family) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } q;
  static uint8_t buf[64 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  const uint32_t seq = 1;
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return errno;
  memset(&q, 0, sizeof q);
  q.nlh.nlmsg_len = sizeof q;
  q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  q.nlh.nlmsg_seq = seq;
  q.req.sdiag_family = (uint8_t)family;
  q.req.sdiag_protocol = IPPROTO_TCP;
  q.req.idiag_ext = 1 << (INET_DIAG_CONG - 1);
  q.req.idiag_states = ~0U;
  if (sendto(fd, &q, sizeof q, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    int err = errno;
    close(fd);
    return err;
  }
  for (;;) {
    ssize_t got = recv(fd, buf, sizeof buf, MSG_TRUNC); /* MSG_TRUNC: the datagram's real length */
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return err;
    }
    if (got == 0) break;
    if ((size_t)got > sizeof buf) {
      close(fd);
      return EMSGSIZE;
    }
    int len = (int)got;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) {
        close(fd);
        return 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(h);
        int err = h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error < 0 ? -e->error : EPROTO;
        close(fd);
        return err;
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)) ||
          diag_entry(env, arr, n, (const struct inet_diag_msg *)NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN) < 0) {
        close(fd);
        return EPROTO;
      }
    }
    if (len != 0) { /* a truncated message at the end of the datagram */
      close(fd);
      return EPROTO;
    }
  }
  close(fd);
  return EPROTO; /* the dump ended without NLMSG_DONE */
}

/*
 * tcpSockets() -> [count, errno, Array<{family, state, src, sport, dst, dport, inode, cc}>]:
 * every TCP socket of the current network namespace, AF_INET then AF_INET6;
 * cc is null when the kernel reports none (time-wait and request sockets).
 */
static napi_value js_tcp_sockets(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  uint32_t n = 0;
  napi_create_array(env, &arr);
  int err = diag_dump(env, arr, &n, AF_INET);
  if (err == 0) err = diag_dump(env, arr, &n, AF_INET6);
  return result(env, err != 0 ? -1 : (int64_t)n, err, arr);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "bpf", NULL, js_bpf, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "poll", NULL, js_poll, NULL, NULL, NULL, napi_default, NULL },
    { "tcpListen", NULL, js_tcp_listen, NULL, NULL, NULL, napi_default, NULL },
    { "tcpConnect", NULL, js_tcp_connect, NULL, NULL, NULL, napi_default, NULL },
    { "accept", NULL, js_accept, NULL, NULL, NULL, napi_default, NULL },
    { "setCongestion", NULL, js_set_congestion, NULL, NULL, NULL, napi_default, NULL },
    { "getCongestion", NULL, js_get_congestion, NULL, NULL, NULL, napi_default, NULL },
    { "tcpInfo", NULL, js_tcp_info, NULL, NULL, NULL, napi_default, NULL },
    { "unshareNet", NULL, js_unshare_net, NULL, NULL, NULL, napi_default, NULL },
    { "openNetns", NULL, js_open_netns, NULL, NULL, NULL, napi_default, NULL },
    { "setNetns", NULL, js_set_netns, NULL, NULL, NULL, napi_default, NULL },
    { "pidfdGetfd", NULL, js_pidfd_getfd, NULL, NULL, NULL, napi_default, NULL },
    { "loUp", NULL, js_lo_up, NULL, NULL, NULL, napi_default, NULL },
    { "tcpSockets", NULL, js_tcp_sockets, NULL, NULL, NULL, napi_default, NULL },
    { "tcpSocket", NULL, js_tcp_socket, NULL, NULL, NULL, napi_default, NULL },
    { "bindLoopback", NULL, js_bind_loopback, NULL, NULL, NULL, napi_default, NULL },
    { "listenFd", NULL, js_listen_fd, NULL, NULL, NULL, napi_default, NULL },
    { "connectLoopback", NULL, js_connect_loopback, NULL, NULL, NULL, napi_default, NULL },
    { "localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL },
    { "capGetEffective", NULL, js_cap_get_effective, NULL, NULL, NULL, napi_default, NULL },
    { "capSetEffective", NULL, js_cap_set_effective, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
