/**
 * @fileoverview One TCP flow between two network namespaces of the Linux
 * testbed (src/testbed/linux), with the sender's state sampled through
 * getsockopt(TCP_INFO) (struct tcp_info of include/uapi/linux/tcp.h) at a
 * fixed interval.
 *
 *   flow recv --netns PATH --port N
 *     listens, prints "ready\n", accepts one connection, discards what it
 *     reads, prints "{\"bytes\":N}\n" when the peer closes, exits 0.
 *   flow send --netns PATH --dst A.B.C.D --port N --end-us E
 *             [--cc NAME | --cc-file PATH] [--t0-ns T] [--start-us S]
 *             [--stop-us P] [--bytes B] [--interval-us U] [--write W]
 *     Times are microseconds after T, an absolute CLOCK_MONOTONIC time in
 *     nanoseconds (default: when the connection is established; `--t0-ns
 *     stdin`: it prints "ready\n" and reads T from its first stdin line, so
 *     a driver can start every flow first and then give them one time 0). It waits until S,
 *     sets TCP_CONGESTION to NAME before connect when one is given (else the
 *     namespace's default applies), connects, and prints
 *     "established FD T_US CC\n" (FD: the socket's descriptor, so the driver
 *     can take a copy with pidfd_getfd and call setsockopt on it). One thread
 *     writes W-byte chunks (default 65536) as fast as the socket takes them until P, or until B bytes are
 *     written; another samples TCP_INFO and TCP_CONGESTION every U
 *     microseconds until E. When B bytes were written and all are
 *     acknowledged it prints "complete T_US\n". At E it prints the CSV trace.
 *
 * CSV columns: t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,
 * lost,retrans,total_retrans,delivered,bytes_acked,delivery_rate,min_rtt_us,
 * pacing_rate,snd_mss,segs_out,cc. t_us is after the connection was established
 * when no --t0-ns is given (the fidelity tests' time 0), else after T.
 * cwnd and ssthresh are in segments (tcpi_snd_cwnd, tcpi_snd_ssthresh).
 *
 * Both modes join the namespace themselves (setns) and die with their parent
 * (PR_SET_PDEATHSIG). The receiver and the sampling thread ask for SCHED_FIFO
 * (best effort), the sender's connect() and first write too, and the send buffer is forced to 8 MB, so that a busy machine
 * delays neither the ACKs nor the samples and never leaves the flow
 * application-limited. Written for structops; no kernel code is copied.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CC_MAX 16 /* TCP_CA_NAME_MAX */

struct sample {
  uint64_t t_us;
  struct tcp_info ti;
  char cc[CC_MAX];
};

static void die(const char *what) {
  fprintf(stderr, "flow: %s: %s\n", what, strerror(errno));
  exit(2);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t_ns) {
  struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000ull), .tv_nsec = (long)(t_ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void join_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open netns");
  if (setns(fd, CLONE_NEWNET) < 0) die("setns");
  close(fd);
}

/* Real-time priority (SCHED_FIFO) for a thread that sleeps between short bursts of work; best effort. */
static void try_realtime(int prio) {
  struct sched_param sp = {.sched_priority = prio};
  pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

static int recv_mode(int port) {
  try_realtime(10);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) die("socket");
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(ls, 1) < 0) die("listen");
  printf("ready\n");
  fflush(stdout);
  int s = accept(ls, NULL, NULL);
  if (s < 0) die("accept");
  static char buf[1 << 16];
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(s, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) break;
    total += (uint64_t)n;
  }
  printf("{\"bytes\":%llu}\n", (unsigned long long)total);
  fflush(stdout);
  close(s);
  close(ls);
  return 0;
}

struct flow {
  int sock;
  uint64_t t0_ns, end_ns, stop_ns, interval_ns, bytes;
  volatile uint64_t written;
  volatile int writer_done;
  struct sample *out;
  size_t cap, n;
};

static void *sampler(void *p) {
  struct flow *a = p;
  try_realtime(10);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  int complete = 0;
  for (;;) {
    uint64_t t = now_ns();
    if (t >= a->end_ns || a->n >= a->cap) break;
    struct sample *s = &a->out[a->n];
    socklen_t len = sizeof s->ti;
    memset(s, 0, sizeof *s);
    if (getsockopt(a->sock, IPPROTO_TCP, TCP_INFO, &s->ti, &len) == 0) {
      socklen_t cl = CC_MAX - 1;
      getsockopt(a->sock, IPPROTO_TCP, TCP_CONGESTION, s->cc, &cl);
      s->t_us = (now_ns() - a->t0_ns) / 1000;
      a->n++;
      if (!complete && a->bytes > 0 && a->writer_done && s->ti.tcpi_bytes_acked >= a->bytes) {
        complete = 1;
        printf("complete %llu\n", (unsigned long long)s->t_us);
        fflush(stdout);
      }
    }
    uint64_t ns = (uint64_t)next.tv_nsec + a->interval_ns;
    next.tv_sec += (time_t)(ns / 1000000000ull);
    next.tv_nsec = (long)(ns % 1000000000ull);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
    }
  }
  return NULL;
}

/* The name in `path` (first line, at most CC_MAX - 1 bytes), or NULL when the file is empty or absent. */
static const char *cc_from_file(const char *path) {
  static char name[CC_MAX];
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  size_t n = fread(name, 1, CC_MAX - 1, f);
  fclose(f);
  name[n] = 0;
  name[strcspn(name, "\n")] = 0;
  return name[0] ? name : NULL;
}

/* T from the first line of stdin, after saying "ready". */
static uint64_t t0_from_stdin(void) {
  printf("ready\n");
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) {
    fprintf(stderr, "flow: no time 0 on stdin\n");
    exit(2);
  }
  return strtoull(line, NULL, 10);
}

static int send_mode(const char *dst, int port, const char *cc, const char *cc_file, uint64_t t0_ns, uint64_t start_us, uint64_t stop_us, uint64_t end_us,
                     uint64_t bytes, uint64_t interval_us, size_t write_size) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, dst, &a.sin_addr) != 1) {
    fprintf(stderr, "flow: bad --dst %s\n", dst);
    return 2;
  }
  int from_connect = t0_ns == 0;
  if (from_connect) t0_ns = now_ns();
  sleep_until(t0_ns + start_us * 1000ull);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  if (cc == NULL && cc_file != NULL) cc = cc_from_file(cc_file);
  if (cc != NULL && setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0) die("setsockopt TCP_CONGESTION");
  /* 8 MB (seconds of data at these rates): a writer delayed by a busy machine never leaves the flow app-limited. */
  int sndbuf = 8 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0) setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  char *buf = malloc(write_size);
  if (!buf) die("malloc");
  memset(buf, 'x', write_size);
  /* An ordinary thread on a busy machine woke 1-14 ms after connect() returned, so the first data left
   * that late after time 0 (a simulated sender sends at once): connect() and the first write run at
   * real-time priority, then the thread returns to normal scheduling (a writer that keeps 8 MB queued
   * need not be punctual, and a real-time one would hold a CPU while it fills the buffer). */
  try_realtime(10);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  char got[CC_MAX] = {0};
  socklen_t gl = sizeof got - 1;
  if (getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, got, &gl) < 0) die("getsockopt TCP_CONGESTION");
  if (cc != NULL && strcmp(got, cc) != 0) {
    fprintf(stderr, "flow: socket runs '%s', not '%s'\n", got, cc);
    return 2;
  }
  struct timeval tv = {.tv_sec = 0, .tv_usec = 50000};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  uint64_t est = now_ns();
  if (from_connect) t0_ns = est;
  struct flow f = {.sock = s, .t0_ns = t0_ns, .interval_ns = interval_us * 1000ull, .bytes = bytes};
  ssize_t first = write(s, buf, bytes > 0 && bytes < write_size ? (size_t)bytes : write_size);
  if (first > 0) f.written = (uint64_t)first;
  struct sched_param normal = {.sched_priority = 0};
  pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
  f.end_ns = t0_ns + end_us * 1000ull;
  f.stop_ns = stop_us > 0 ? t0_ns + stop_us * 1000ull : f.end_ns;
  f.cap = (size_t)((double)(end_us > start_us ? end_us - start_us : 0) / (double)interval_us) + 16;
  f.out = calloc(f.cap, sizeof(struct sample));
  if (!f.out) die("calloc");
  printf("established %d %llu %s\n", s, (unsigned long long)((est - t0_ns) / 1000), got);
  fflush(stdout);
  pthread_t th;
  if (pthread_create(&th, NULL, sampler, &f) != 0) die("pthread_create");

  while (now_ns() < f.stop_ns && (bytes == 0 || f.written < bytes)) {
    size_t want = write_size;
    if (bytes > 0 && bytes - f.written < want) want = (size_t)(bytes - f.written);
    ssize_t n = write(s, buf, want);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      die("write");
    }
    f.written += (uint64_t)n;
  }
  f.writer_done = 1;
  pthread_join(th, NULL);

  printf("t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,lost,retrans,total_retrans,"
         "delivered,bytes_acked,delivery_rate,min_rtt_us,pacing_rate,snd_mss,segs_out,cc\n");
  for (size_t i = 0; i < f.n; i++) {
    const struct tcp_info *t = &f.out[i].ti;
    printf("%llu,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%llu,%llu,%u,%llu,%u,%u,%s\n", (unsigned long long)f.out[i].t_us,
           t->tcpi_snd_cwnd, t->tcpi_snd_ssthresh, t->tcpi_rtt, t->tcpi_rttvar, t->tcpi_ca_state,
           t->tcpi_unacked, t->tcpi_sacked, t->tcpi_lost, t->tcpi_retrans, t->tcpi_total_retrans,
           t->tcpi_delivered, (unsigned long long)t->tcpi_bytes_acked,
           (unsigned long long)t->tcpi_delivery_rate, t->tcpi_min_rtt, (unsigned long long)t->tcpi_pacing_rate,
           t->tcpi_snd_mss, t->tcpi_segs_out, f.out[i].cc);
  }
  fprintf(stderr, "flow: wrote %llu bytes, %zu samples\n", (unsigned long long)f.written, f.n);
  fflush(stdout);
  /* Abortive close: the run is over and needs no FIN handshake over a full queue. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(s);
  return 0;
}

int main(int argc, char **argv) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  prctl(PR_SET_TIMERSLACK, 1UL);
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) goto usage;
  const char *mode = argv[1], *netns = NULL, *dst = NULL, *cc = NULL, *cc_file = NULL;
  int port = 0;
  uint64_t interval_us = 1000, t0_ns = 0, start_us = 0, stop_us = 0, end_us = 0, bytes = 0, write_size = 65536;
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--netns")) netns = v;
    else if (!strcmp(k, "--dst")) dst = v;
    else if (!strcmp(k, "--port")) port = atoi(v);
    else if (!strcmp(k, "--cc")) cc = v;
    else if (!strcmp(k, "--cc-file")) cc_file = v;
    else if (!strcmp(k, "--t0-ns")) t0_ns = !strcmp(v, "stdin") ? UINT64_MAX : strtoull(v, NULL, 10);
    else if (!strcmp(k, "--start-us")) start_us = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--stop-us")) stop_us = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--end-us")) end_us = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--bytes")) bytes = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--interval-us")) interval_us = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--write")) write_size = strtoull(v, NULL, 10);
    else goto usage;
  }
  if (!netns || port <= 0 || port > 65535) goto usage;
  join_netns(netns);
  if (!strcmp(mode, "recv")) return recv_mode(port);
  if (t0_ns == UINT64_MAX) t0_ns = t0_from_stdin();
  if (!strcmp(mode, "send") && dst && end_us > start_us && end_us <= 86400000000ull && interval_us >= 100 && write_size >= 1 &&
      write_size <= (16u << 20))
    return send_mode(dst, port, cc, cc_file, t0_ns, start_us, stop_us, end_us, bytes, interval_us, (size_t)write_size);
usage:
  fprintf(stderr, "usage: flow recv --netns PATH --port N\n"
                  "       flow send --netns PATH --dst A.B.C.D --port N --end-us E [--cc NAME | --cc-file PATH] [--t0-ns T] [--start-us S]\n"
                  "                 [--stop-us P] [--bytes B] [--interval-us U] [--write W]\n");
  return 2;
}
