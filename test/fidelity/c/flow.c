/**
 * @fileoverview One bulk TCP flow between two network namespaces, with the
 * sender's congestion state sampled through getsockopt(TCP_INFO) (struct
 * tcp_info of include/uapi/linux/tcp.h) at a fixed interval.
 *
 *   flow recv --netns PATH --port N
 *     listens, prints "ready\n", accepts one connection, discards what it
 *     reads, prints "{\"bytes\":N}\n" when the peer closes, exits 0.
 *   flow send --netns PATH --dst A.B.C.D --port N --cc NAME --seconds S
 *             [--interval-us U]
 *     setsockopt(TCP_CONGESTION, NAME) before connect; after connect
 *     returns (the connection is ESTABLISHED: time 0 of the trace) one thread
 *     writes as fast as the socket takes data while another samples TCP_INFO
 *     every U microseconds (absolute clock_nanosleep, timer slack 1 ns).
 *     After S seconds it prints the CSV trace on stdout and closes.
 *
 * CSV columns: t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,
 * lost,retrans,total_retrans,delivered,bytes_acked,delivery_rate,min_rtt_us.
 * cwnd and ssthresh are in segments (tcpi_snd_cwnd, tcpi_snd_ssthresh).
 *
 * Both modes join the namespace themselves (setns) and die with their parent
 * (PR_SET_PDEATHSIG). The receiver and the sampling thread ask for SCHED_FIFO
 * (best effort) and the send buffer is forced to 8 MB, so that a busy machine
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

struct sample {
  uint64_t t_us;
  struct tcp_info ti;
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

struct sampler_arg {
  int sock;
  uint64_t t0_ns, end_ns, interval_ns;
  struct sample *out;
  size_t cap, n;
};

static void *sampler(void *p) {
  struct sampler_arg *a = p;
  try_realtime(10);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    uint64_t t = now_ns();
    if (t >= a->end_ns || a->n >= a->cap) break;
    struct sample *s = &a->out[a->n];
    socklen_t len = sizeof s->ti;
    memset(&s->ti, 0, sizeof s->ti);
    if (getsockopt(a->sock, IPPROTO_TCP, TCP_INFO, &s->ti, &len) == 0) {
      s->t_us = (now_ns() - a->t0_ns) / 1000;
      a->n++;
    }
    uint64_t ns = (uint64_t)next.tv_nsec + a->interval_ns;
    next.tv_sec += (time_t)(ns / 1000000000ull);
    next.tv_nsec = (long)(ns % 1000000000ull);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
    }
  }
  return NULL;
}

static int send_mode(const char *dst, int port, const char *cc, double seconds, uint64_t interval_us) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  if (setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0) die("setsockopt TCP_CONGESTION");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, dst, &a.sin_addr) != 1) {
    fprintf(stderr, "flow: bad --dst %s\n", dst);
    return 2;
  }
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  char got[16] = {0};
  socklen_t gl = sizeof got - 1;
  if (getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, got, &gl) < 0 || strcmp(got, cc) != 0) {
    fprintf(stderr, "flow: socket runs '%s', not '%s'\n", got, cc);
    return 2;
  }
  /* 8 MB (seconds of data at these rates): a writer delayed by a busy machine never leaves the flow app-limited. */
  int sndbuf = 8 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0) setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 50000};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  struct sampler_arg sa = {.sock = s, .t0_ns = now_ns(), .interval_ns = interval_us * 1000ull};
  sa.end_ns = sa.t0_ns + (uint64_t)(seconds * 1e9);
  sa.cap = (size_t)(seconds * 1e6 / (double)interval_us) + 16;
  sa.out = calloc(sa.cap, sizeof(struct sample));
  if (!sa.out) die("calloc");
  pthread_t th;
  if (pthread_create(&th, NULL, sampler, &sa) != 0) die("pthread_create");

  static char buf[1 << 16];
  memset(buf, 'x', sizeof buf);
  uint64_t written = 0;
  while (now_ns() < sa.end_ns) {
    ssize_t n = write(s, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      die("write");
    }
    written += (uint64_t)n;
  }
  pthread_join(th, NULL);

  printf("t_us,cwnd,ssthresh,rtt_us,rttvar_us,ca_state,unacked,sacked,lost,retrans,total_retrans,"
         "delivered,bytes_acked,delivery_rate,min_rtt_us,pacing_rate\n");
  for (size_t i = 0; i < sa.n; i++) {
    const struct tcp_info *t = &sa.out[i].ti;
    printf("%llu,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%llu,%llu,%u,%llu\n", (unsigned long long)sa.out[i].t_us,
           t->tcpi_snd_cwnd, t->tcpi_snd_ssthresh, t->tcpi_rtt, t->tcpi_rttvar, t->tcpi_ca_state,
           t->tcpi_unacked, t->tcpi_sacked, t->tcpi_lost, t->tcpi_retrans, t->tcpi_total_retrans,
           t->tcpi_delivered, (unsigned long long)t->tcpi_bytes_acked,
           (unsigned long long)t->tcpi_delivery_rate, t->tcpi_min_rtt, (unsigned long long)t->tcpi_pacing_rate);
  }
  fprintf(stderr, "flow: wrote %llu bytes, %zu samples\n", (unsigned long long)written, sa.n);
  fflush(stdout);
  /* Abortive close: the sample window is over and the test needs no FIN handshake over a full queue. */
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
  const char *mode = argv[1], *netns = NULL, *dst = NULL, *cc = NULL;
  int port = 0;
  double seconds = 0;
  uint64_t interval_us = 1000;
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--netns")) netns = v;
    else if (!strcmp(k, "--dst")) dst = v;
    else if (!strcmp(k, "--port")) port = atoi(v);
    else if (!strcmp(k, "--cc")) cc = v;
    else if (!strcmp(k, "--seconds")) seconds = strtod(v, NULL);
    else if (!strcmp(k, "--interval-us")) interval_us = strtoull(v, NULL, 10);
    else goto usage;
  }
  if (!netns || port <= 0 || port > 65535) goto usage;
  join_netns(netns);
  if (!strcmp(mode, "recv")) return recv_mode(port);
  if (!strcmp(mode, "send") && dst && cc && seconds > 0 && seconds <= 600 && interval_us >= 100)
    return send_mode(dst, port, cc, seconds, interval_us);
usage:
  fprintf(stderr, "usage: flow recv --netns PATH --port N\n"
                  "       flow send --netns PATH --dst A.B.C.D --port N --cc NAME --seconds S [--interval-us U]\n");
  return 2;
}
