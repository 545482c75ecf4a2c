/**
 * @fileoverview A fixed-delay line with optional random loss on a TUN device,
 * for the Linux testbed (src/testbed/linux; this kernel has no sch_netem and
 * no sch_fq, so the propagation delay of the emulated path cannot come from
 * a qdisc).
 *
 * The program joins a network namespace (setns on the given path), creates a
 * TUN device (IFF_TUN | IFF_NO_PI, see Documentation/networking/tuntap.rst),
 * and writes every IPv4 packet it reads from the device back into the same
 * device after a fixed delay. The router namespace routes both directions of
 * the test flow into this device with policy routing (`ip rule iif <veth>`),
 * and packets written back arrive as if received on the device and leave
 * through the main table's connected routes. The delay is constant per
 * direction and flow, so a FIFO per direction and delay keeps packet order.
 *
 * Direction: a packet whose IPv4 destination lies in --rev-net takes the
 * reverse delay (ACKs towards the sender) and is dropped with probability
 * --rev-loss; every other packet takes the forward delay and is dropped with
 * probability --loss (one seeded xorshift64* stream, so a given seed drops
 * the same packet numbers). `--extra PORT:US` (repeatable) adds US
 * microseconds each way to the TCP flow whose receiver port is PORT (the
 * destination port forward, the source port in reverse): flows with
 * different round-trip times on one path.
 *
 * It asks for SCHED_FIFO priority 20 so that a busy machine does not make the
 * delay late (it sleeps in ppoll between packets, so it cannot hog a CPU).
 *
 * It measures its own lateness, the host's timer latency as a real-time task
 * sees it: per packet (released after its due time) and per timer wake-up
 * (ppoll returning on its timeout after the deadline it was given: the
 * hrtimer's expiry plus the wake-up of the task), each as a histogram over
 * fixed bins (LATE_EDGES_US), so a model can draw the same distribution.
 *
 * Protocol with the driver: prints "ready <ifname>\n" on stdout once the
 * device exists; on SIGTERM/SIGINT prints one JSON line of counters, one of
 * the dropped segments and one of the lateness histograms on stdout and
 * exits 0. It dies with its parent (PR_SET_PDEATHSIG) so that a crashed
 * driver leaves no process behind; the device goes away with the process.
 *
 * Written for structops; no kernel or iproute2 code is copied.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048
#define SLOTS 16384 /* per direction and delay; 16384 x 1500 B is 196 Mbit, 0.2 s at 1 Gbit/s */
#define MAX_EXTRA 64

struct pkt {
  uint64_t due_ns;
  uint16_t len;
  uint8_t data[SLOT_BYTES];
};

struct fifo {
  struct pkt *slots;
  uint32_t head, count;
};

/* Upper edges (exclusive, in microseconds) of the lateness histograms' bins; a last bin holds the rest. */
static const uint32_t LATE_EDGES_US[] = {1,    2,    3,    4,     5,     6,     8,     10,    12,    15,    20,    25,   30,
                                         40,   50,   60,   80,    100,   120,   150,   200,   250,   300,   400,   500,  600,
                                         800,  1000, 1200, 1500,  2000,  2500,  3000,  4000,  5000,  6000,  8000,  10000,
                                         12000, 15000, 20000, 25000, 30000, 40000, 50000, 60000, 80000, 100000};
#define LATE_BINS (sizeof LATE_EDGES_US / sizeof LATE_EDGES_US[0] + 1)

static unsigned late_bin(uint64_t late_ns) {
  unsigned i = 0;
  while (i < LATE_BINS - 1 && late_ns >= (uint64_t)LATE_EDGES_US[i] * 1000ull) i++;
  return i;
}

static void print_hist(const char *key, const uint64_t *h) {
  printf("\"%s\":[", key);
  for (unsigned i = 0; i < LATE_BINS; i++) printf("%s%llu", i ? "," : "", (unsigned long long)h[i]);
  printf("]");
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state;
static double rng_unit(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  uint64_t r = rng_state * 2685821657736338717ull;
  return (double)(r >> 11) / 9007199254740992.0;
}

static void die(const char *what) {
  fprintf(stderr, "delayline: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void usage(void) {
  fprintf(stderr,
          "usage: delayline --netns PATH --dev NAME --fwd-delay-us N --rev-delay-us N\n"
          "                 --rev-net A.B.C.D/LEN [--loss P] [--rev-loss P] [--seed S] [--extra PORT:US]...\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *netns = NULL, *dev = NULL, *rev_net = NULL;
  uint64_t fwd_ns = 0, rev_ns = 0, seed = 1;
  double loss = 0, rev_loss = 0;
  /* Delay class per port: class 0 is no extra delay; --extra adds one class per distinct value. */
  uint16_t extra_port[MAX_EXTRA];
  uint64_t extra_ns[MAX_EXTRA + 1] = {0};
  int n_extra = 0, n_class = 1;
  int port_class[MAX_EXTRA];
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--netns")) netns = v;
    else if (!strcmp(k, "--dev")) dev = v;
    else if (!strcmp(k, "--fwd-delay-us")) fwd_ns = strtoull(v, NULL, 10) * 1000ull;
    else if (!strcmp(k, "--rev-delay-us")) rev_ns = strtoull(v, NULL, 10) * 1000ull;
    else if (!strcmp(k, "--rev-net")) rev_net = v;
    else if (!strcmp(k, "--loss")) loss = strtod(v, NULL);
    else if (!strcmp(k, "--rev-loss")) rev_loss = strtod(v, NULL);
    else if (!strcmp(k, "--seed")) seed = strtoull(v, NULL, 10);
    else if (!strcmp(k, "--extra")) {
      char *colon = strchr(v, ':');
      if (!colon || n_extra == MAX_EXTRA) usage();
      int port = atoi(v);
      uint64_t ns = strtoull(colon + 1, NULL, 10) * 1000ull;
      if (port <= 0 || port > 65535) usage();
      int c = 0;
      for (int j = 1; j < n_class; j++)
        if (extra_ns[j] == ns) c = j;
      if (c == 0 && ns > 0) {
        c = n_class++;
        extra_ns[c] = ns;
      }
      extra_port[n_extra] = (uint16_t)port;
      port_class[n_extra++] = c;
    } else usage();
  }
  if (!netns || !dev || !rev_net || loss < 0 || loss >= 1 || rev_loss < 0 || rev_loss >= 1 || strlen(dev) >= IFNAMSIZ) usage();

  char netbuf[32];
  snprintf(netbuf, sizeof netbuf, "%s", rev_net);
  char *slash = strchr(netbuf, '/');
  if (!slash) usage();
  *slash = 0;
  int plen = atoi(slash + 1);
  struct in_addr net_addr;
  if (plen < 0 || plen > 32 || inet_pton(AF_INET, netbuf, &net_addr) != 1) usage();
  uint32_t mask = plen == 0 ? 0 : htonl(~0u << (32 - plen));
  uint32_t rev_prefix = net_addr.s_addr & mask;

  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  /* Real-time priority keeps the delay exact when the machine is busy; the loop sleeps in ppoll,
   * so it cannot starve anyone. Without CAP_SYS_NICE it runs as a normal task and says so. */
  struct sched_param sp = {.sched_priority = 20};
  int rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
  if (!rt) fprintf(stderr, "delayline: SCHED_FIFO unavailable (%s); delays may be late under load\n", strerror(errno));
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  prctl(PR_SET_TIMERSLACK, 1UL); /* wake within microseconds, not the default 50 us */

  int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) die("open netns");
  if (setns(nsfd, CLONE_NEWNET) < 0) die("setns");
  close(nsfd);

  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) die("open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
  if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("O_NONBLOCK");

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* Queue 2*c is class c forward, 2*c+1 class c reverse; calloc'd pages are only touched when used. */
  int nq = 2 * n_class;
  struct fifo q[2 * (MAX_EXTRA + 1)];
  uint64_t delay[2 * (MAX_EXTRA + 1)];
  for (int d = 0; d < nq; d++) {
    q[d].slots = calloc(SLOTS, sizeof(struct pkt));
    if (!q[d].slots) die("calloc");
    q[d].head = q[d].count = 0;
    delay[d] = ((d & 1) ? rev_ns : fwd_ns) + extra_ns[d >> 1];
  }
  uint64_t rx[2] = {0, 0}, tx[2] = {0, 0}, overflow[2] = {0, 0}, lost = 0, werr = 0, nonip = 0;
  uint64_t late_max_ns = 0, late_sum_ns = 0;
  static uint64_t late_pkt_hist[LATE_BINS], late_wake_hist[LATE_BINS];
  uint64_t wake_max_ns = 0;
  /* Dropped data segments: TCP sequence number relative to the first data byte (ISN + 1), and whether it was
   * a retransmission (below the highest sequence seen), so a run's drop pattern can be replayed by sequence. */
  enum { MAX_DROPS = 8192 };
  static uint32_t drop_seq[MAX_DROPS];
  static uint8_t drop_rtx[MAX_DROPS];
  unsigned ndrops = 0;
  uint32_t isn = 0, high = 0;
  uint16_t isn_port = 0;
  int have_isn = 0;

  printf("ready %s\n", ifr.ifr_name);
  fflush(stdout);

  uint8_t buf[SLOT_BYTES];
  while (!stop_flag) {
    uint64_t t = now_ns();
    /* Release everything that is due. */
    for (int d = 0; d < nq; d++) {
      while (q[d].count > 0) {
        struct pkt *p = &q[d].slots[q[d].head];
        if (p->due_ns > t) break;
        if (t - p->due_ns > late_max_ns) late_max_ns = t - p->due_ns;
        late_sum_ns += t - p->due_ns;
        late_pkt_hist[late_bin(t - p->due_ns)]++;
        if (write(fd, p->data, p->len) < 0) werr++;
        else tx[d & 1]++;
        q[d].head = (q[d].head + 1) % SLOTS;
        q[d].count--;
      }
    }
    /* Sleep until the next packet is due or one arrives. */
    uint64_t next = UINT64_MAX;
    for (int d = 0; d < nq; d++)
      if (q[d].count > 0 && q[d].slots[q[d].head].due_ns < next) next = q[d].slots[q[d].head].due_ns;
    struct timespec to, *top = NULL;
    if (next != UINT64_MAX) {
      uint64_t wait = next > t ? next - t : 0;
      to.tv_sec = (time_t)(wait / 1000000000ull);
      to.tv_nsec = (long)(wait % 1000000000ull);
      top = &to;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = ppoll(&pfd, 1, top, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("ppoll");
    }
    if (r == 0) {
      /* Woken by the timeout: how long after the deadline the task ran. */
      uint64_t woke = now_ns();
      uint64_t late = woke > next ? woke - next : 0;
      late_wake_hist[late_bin(late)]++;
      if (late > wake_max_ns) wake_max_ns = late;
      continue;
    }
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        die("read tun");
      }
      uint64_t arrive = now_ns();
      if (n < 20 || (buf[0] >> 4) != 4) { nonip++; continue; }
      uint32_t dst;
      memcpy(&dst, buf + 16, 4);
      int rev = (dst & mask) == rev_prefix ? 1 : 0;
      rx[rev]++;
      size_t ihl = (size_t)(buf[0] & 0xf) * 4;
      /* The first connection's data segments: sequence number relative to its first data byte. */
      uint32_t seq = 0, plen = 0;
      int mine = 0;
      if (!rev && buf[9] == 6 && (size_t)n >= ihl + 20) {
        uint16_t sport = (uint16_t)((buf[ihl] << 8) | buf[ihl + 1]);
        unsigned tot = ((unsigned)buf[2] << 8) | buf[3];
        unsigned doff = (unsigned)(buf[ihl + 12] >> 4) * 4u;
        memcpy(&seq, buf + ihl + 4, 4);
        seq = ntohl(seq);
        plen = tot > ihl + doff ? tot - (unsigned)ihl - doff : 0;
        if ((buf[ihl + 13] & 0x02) && !have_isn) { isn = seq; isn_port = sport; have_isn = 1; }
        mine = have_isn && sport == isn_port && plen > 0;
      }
      double p_loss = rev ? rev_loss : loss;
      if (p_loss > 0 && rng_unit() < p_loss) {
        lost++;
        if (mine && ndrops < MAX_DROPS) {
          drop_seq[ndrops] = seq - isn - 1;
          drop_rtx[ndrops] = (uint32_t)(seq - isn) < high;
          ndrops++;
        }
        continue;
      }
      if (mine && (uint32_t)(seq - isn + plen) > high) high = seq - isn + plen;
      int cls = 0;
      if (n_extra > 0 && buf[9] == 6 && (size_t)n >= ihl + 4) {
        uint16_t port = (uint16_t)((buf[ihl + (rev ? 0 : 2)] << 8) | buf[ihl + (rev ? 1 : 3)]);
        for (int j = 0; j < n_extra; j++)
          if (extra_port[j] == port) cls = port_class[j];
      }
      int d = 2 * cls + rev;
      if (q[d].count == SLOTS) { overflow[rev]++; continue; }
      struct pkt *p = &q[d].slots[(q[d].head + q[d].count) % SLOTS];
      p->due_ns = arrive + delay[d];
      p->len = (uint16_t)n;
      memcpy(p->data, buf, (size_t)n);
      q[d].count++;
    }
  }
  printf("{\"rxFwd\":%llu,\"rxRev\":%llu,\"txFwd\":%llu,\"txRev\":%llu,\"lost\":%llu,"
         "\"overflowFwd\":%llu,\"overflowRev\":%llu,\"writeErrors\":%llu,\"nonIp\":%llu,\"lateMaxUs\":%llu,\"lateMeanUs\":%.1f,\"realtime\":%s}\n",
         (unsigned long long)rx[0], (unsigned long long)rx[1], (unsigned long long)tx[0],
         (unsigned long long)tx[1], (unsigned long long)lost, (unsigned long long)overflow[0],
         (unsigned long long)overflow[1], (unsigned long long)werr, (unsigned long long)nonip,
         (unsigned long long)(late_max_ns / 1000),
         tx[0] + tx[1] > 0 ? (double)late_sum_ns / 1000.0 / (double)(tx[0] + tx[1]) : 0.0, rt ? "true" : "false");
  printf("{\"dropSeqs\":[");
  for (unsigned i = 0; i < ndrops; i++) printf("%s[%u,%u]", i ? "," : "", drop_seq[i], (unsigned)drop_rtx[i]);
  printf("]}\n");
  printf("{\"lateHist\":{\"edgesUs\":[");
  for (unsigned i = 0; i < LATE_BINS - 1; i++) printf("%s%u", i ? "," : "", LATE_EDGES_US[i]);
  printf("],");
  print_hist("packets", late_pkt_hist);
  printf(",");
  print_hist("wakeups", late_wake_hist);
  printf(",\"wakeupMaxUs\":%llu}}\n", (unsigned long long)(wake_max_ns / 1000));
  fflush(stdout);
  return 0;
}
