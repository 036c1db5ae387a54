/*
 * o1-probe: what a compromised o1-proxy would try, run under the unit's own sandbox.
 *
 * The system test installs it as a copy of a unit with only ExecStart= changed (and the same
 * user as the unit's own instances), and connects to it like a client: the first line it sends
 * holds the targets (below), the probe answers with one JSON line per attack and closes. An
 * attack lists every attempt that worked in "allowed"; the test decides from a table what each
 * unit may let through (for the installed unit: only what the proxy needs, and signalling
 * another instance) and what the unsandboxed control must let through (proof that each attack
 * really does something).
 *
 * Targets line (space-separated key=value):
 *   victim=PID         a live instance of the same unit (another exchange, same user)
 *   victim_unit=NAME   its unit name, for its credential directory
 *   linklocal=IP:PORT  a listener on a link-local address (the cloud metadata service's place)
 *   upstream=IP:PORT   the upstream the proxy must reach (an attempt that must work)
 *   suid=PATH          a set-uid-root copy of this probe
 *   host_marker=PATH   a file in the host's /tmp: seeing it means /tmp is not private
 *   confine=1          first confine itself exactly as o1-proxy does once it has read its key
 *                      and rules (Sources/CSandbox, compiled in): a compromised proxy is one
 *                      whose own sandbox is up
 *
 * With --whoami it only prints "uid=N caps=HEX": the set-uid and written-file attacks run
 * copies of the probe that way.
 *
 * Built statically by the test, with the proxy's own Sources/CSandbox/sandbox.c; never part of
 * the product.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "CSandbox.h"

#define MAX_SHOWN 25

/* ---- one attack's result, printed as a JSON line */

static const char *attack_id, *attack_what;
static int n_tried, n_denied, n_allowed;
static char shown[MAX_SHOWN][512];

static void begin(const char *id, const char *what) {
    attack_id = id;
    attack_what = what;
    n_tried = n_denied = n_allowed = 0;
}

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void end(void) {
    printf("{\"attack\":");
    json_string(attack_id);
    printf(",\"what\":");
    json_string(attack_what);
    printf(",\"tried\":%d,\"denied\":%d,\"allowed\":[", n_tried, n_denied);
    for (int i = 0; i < n_allowed && i < MAX_SHOWN; i++) {
        if (i) putchar(',');
        json_string(shown[i]);
    }
    if (n_allowed > MAX_SHOWN) printf(",\"... %d more\"", n_allowed - MAX_SHOWN);
    printf("]}\n");
    fflush(stdout);
}

static void allowed(const char *fmt, ...) {
    n_tried++;
    if (n_allowed < MAX_SHOWN) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(shown[n_allowed], sizeof shown[0], fmt, ap);
        va_end(ap);
    }
    n_allowed++;
}

static void denied(void) {
    n_tried++;
    n_denied++;
}

/* An attempt failed: denied when the error says "not permitted" (or the target does not exist
 * from where it stands); any other error means the permission check passed and the attempt
 * failed for another reason, so it counts as allowed. */
static void failed(int err, const char *what) {
    if (err == EPERM || err == EACCES || err == EROFS || err == EAFNOSUPPORT || err == ENOENT)
        denied();
    else
        allowed("%s: %s", what, strerror(err));
}

/* ---- targets */

static struct {
    pid_t victim;
    char victim_unit[256], linklocal[64], upstream[64], suid[256], host_marker[256];
    int confine;
} t;

static void parse_targets(char *line) {
    for (char *tok = strtok(line, " \r\n"); tok; tok = strtok(NULL, " \r\n")) {
        char *v = strchr(tok, '=');
        if (!v) continue;
        *v++ = 0;
        if (!strcmp(tok, "victim")) t.victim = atoi(v);
        else if (!strcmp(tok, "victim_unit")) snprintf(t.victim_unit, sizeof t.victim_unit, "%s", v);
        else if (!strcmp(tok, "linklocal")) snprintf(t.linklocal, sizeof t.linklocal, "%s", v);
        else if (!strcmp(tok, "upstream")) snprintf(t.upstream, sizeof t.upstream, "%s", v);
        else if (!strcmp(tok, "suid")) snprintf(t.suid, sizeof t.suid, "%s", v);
        else if (!strcmp(tok, "host_marker")) snprintf(t.host_marker, sizeof t.host_marker, "%s", v);
        else if (!strcmp(tok, "confine")) t.confine = atoi(v);
    }
}

/* ---- helpers */

/* A connection attempt whose packets never arrived (dropped by the cgroup's IP filter, which
 * makes a TCP connect time out) or found no route was denied as much as one refused locally. */
static void failed_to_reach(int err, const char *what) {
    if (err == ETIMEDOUT || err == ENETUNREACH || err == EHOSTUNREACH) denied();
    else failed(err, what);
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int path_under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    return dir[0] && strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Where this unit may write: its private /tmp and /var/tmp, its state directory. */
static int may_write(const char *path) {
    return path_under(path, "/tmp") || path_under(path, "/var/tmp") ||
           path_under(path, env_or("STATE_DIRECTORY", "\x01"));
}

/* The devices every sandbox hands out: null, zero, full, random, urandom (1:3,5,7,8,9), tty
 * and ptmx (5:0,2). Judged by device number, not path: the same nodes show up elsewhere too. */
static int harmless_device(const struct stat *st) {
    unsigned ma = major(st->st_rdev), mi = minor(st->st_rdev);
    return S_ISCHR(st->st_mode) && ((ma == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9)) ||
                                    (ma == 5 && (mi == 0 || mi == 2)));
}

/* Runs `path --whoami` in a child and returns what it printed ("" when it did not run). */
static void run_whoami(const char *path, char *out, size_t size) {
    int p[2];
    out[0] = 0;
    if (pipe(p)) return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        execl(path, path, "--whoami", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    ssize_t n = 0, r;
    while (pid > 0 && n < (ssize_t)size - 1 && (r = read(p[0], out + n, size - 1 - n)) > 0) n += r;
    out[n > 0 ? n : 0] = 0;
    close(p[0]);
    if (pid > 0) waitpid(pid, NULL, 0);
    char *nl = strchr(out, '\n');
    if (nl) *nl = 0;
}

static int connect_to(const char *hostport, int type, int *err) {
    char host[64];
    snprintf(host, sizeof host, "%s", hostport);
    char *colon = strrchr(host, ':');
    if (!colon) { *err = EINVAL; return -1; }
    *colon = 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) { *err = EINVAL; return -1; }
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { *err = errno; return -1; }
    if (type == SOCK_DGRAM) {
        int r = sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
        *err = r < 0 ? errno : 0;
        close(fd);
        return r < 0 ? -1 : 0;
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) { close(fd); *err = 0; return 0; }
    if (errno != EINPROGRESS) { *err = errno; close(fd); return -1; }
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    if (poll(&pfd, 1, 3000) != 1) { *err = ETIMEDOUT; close(fd); return -1; }
    socklen_t len = sizeof *err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len);
    close(fd);
    return *err ? -1 : 0;
}

/* ---- the attacks */

/* Every directory it can create a file in, every file and device it can open for writing. */
static void walk(const char *dir, int depth) {
    if (depth > 40) return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return;
    if (!may_write(dir)) {
        int fd = openat(dfd, ".o1-probe", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            unlinkat(dfd, ".o1-probe", 0);
            allowed("created a file in %s", dir);
        } else if (errno == EEXIST) {
            allowed("%s/.o1-probe exists", dir);
        } else if (errno == ENOENT) {
            denied();                           /* a file system that creates nothing (proc) */
        } else {
            failed(errno, dir);
        }
    }
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return; }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
        /* Other processes are the "see processes" attack; our own /proc/self is ours. */
        if (!strcmp(dir, "/proc") && (e->d_name[0] >= '0' && e->d_name[0] <= '9')) continue;
        if (!strcmp(path, "/proc/self") || !strcmp(path, "/proc/thread-self")) continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW)) continue;
        if (S_ISDIR(st.st_mode)) {
            walk(path, depth + 1);
        } else if ((S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
                   !may_write(path) && !harmless_device(&st)) {
            int fd = openat(dfd, e->d_name, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0) {
                close(fd);
                allowed("opened %s for writing", path);
            } else if (errno == ENXIO || errno == ENODEV || errno == ENOENT || errno == ENOTTY) {
                /* no such device behind the node, or gone: nothing to write to */
            } else {
                failed(errno, path);
            }
        }
    }
    closedir(d);
}

static void attack_write(void) {
    begin("write", "write outside its private /tmp and its state directory");
    walk("/", 0);
    end();
}

static void try_read(const char *path) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);  /* /proc/kmsg would wait */
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR) failed(errno, path);
        else denied();
        return;
    }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n >= 0) allowed("read %s", path);
    else failed(errno, path);
}

static void try_list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) denied();
        else failed(errno, path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            allowed("listed %s: %s", path, e->d_name);
            break;
        }
    closedir(d);
}

static void attack_read_secrets(void) {
    begin("read-secrets", "read /home, /root, the key file, another instance's credential");
    try_list("/home");
    try_list("/root");
    try_read("/home/alice/secret.txt");
    try_read("/root/secret.txt");
    try_read("/etc/o1-proxy/openai-api-key");
    try_read("/etc/shadow");
    char path[1024];
    const char *own = env_or("CREDENTIALS_DIRECTORY", "\x01");
    DIR *d = opendir("/run/credentials");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            snprintf(path, sizeof path, "/run/credentials/%s", e->d_name);
            if (!strcmp(path, own)) continue;
            try_list(path);
            snprintf(path, sizeof path, "/run/credentials/%s/openai-api-key", e->d_name);
            try_read(path);
        }
        closedir(d);
    }
    if (t.victim_unit[0]) {
        snprintf(path, sizeof path, "/run/credentials/%s/openai-api-key", t.victim_unit);
        try_read(path);
    }
    if (t.victim) {
        snprintf(path, sizeof path, "/proc/%d/environ", t.victim);
        try_read(path);
        snprintf(path, sizeof path, "/proc/%d/root/run/credentials/%s/openai-api-key", t.victim,
                 t.victim_unit);
        try_read(path);
        snprintf(path, sizeof path, "/proc/%d/cwd", t.victim);
        try_list(path);
    }
    end();
}

static void attack_see_processes(void) {
    begin("see-processes", "see other processes");
    DIR *d = opendir("/proc");
    if (!d) { denied(); end(); return; }
    struct dirent *e;
    pid_t self = getpid();
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        pid_t pid = atoi(e->d_name);
        if (pid == self) continue;
        char path[64], comm[64] = "?";
        snprintf(path, sizeof path, "/proc/%d/comm", pid);
        FILE *f = fopen(path, "re");
        if (f) {
            if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
            fclose(f);
        }
        allowed("pid %d (%s)", pid, comm);
    }
    closedir(d);
    if (n_tried == 0) denied();
    end();

    begin("signal-instance", "signal another instance");
    if (t.victim) {
        if (kill(t.victim, 0) == 0) allowed("kill(%d, 0) succeeded: it could be killed", t.victim);
        else if (errno == ESRCH) denied();
        else failed(errno, "kill");
    }
    end();
}

static void attack_ptrace(void) {
    begin("ptrace", "ptrace another instance or read its memory");
    if (t.victim) {
        if (ptrace(PTRACE_SEIZE, t.victim, 0, 0) == 0) {
            ptrace(PTRACE_DETACH, t.victim, 0, 0);
            allowed("PTRACE_SEIZE %d", t.victim);
        } else {
            failed(errno, "ptrace");
        }
        char path[64], buf[16];
        snprintf(path, sizeof path, "/proc/%d/mem", t.victim);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            allowed("opened %s", path);
        } else {
            failed(errno, path);
        }
        struct iovec local = { buf, sizeof buf }, remote = { (void *)0x10000, sizeof buf };
        if (process_vm_readv(t.victim, &local, 1, &remote, 1, 0) >= 0 || errno == EFAULT)
            allowed("process_vm_readv %d", t.victim);
        else
            failed(errno, "process_vm_readv");
    }
    end();
}

static void attack_sockets(void) {
    static const struct { int family, type, protocol; const char *name; } kinds[] = {
        { AF_INET, SOCK_RAW, IPPROTO_ICMP, "AF_INET raw" },
        { AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "AF_INET6 raw" },
        { AF_PACKET, SOCK_RAW, 0, "AF_PACKET" },
        { AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */, "AF_NETLINK route" },
        { AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */, "AF_NETLINK audit" },
        { AF_ALG, SOCK_SEQPACKET, 0, "AF_ALG" },
        { AF_KEY, SOCK_RAW, 2 /* PF_KEY_V2 */, "AF_KEY" },
        { AF_VSOCK, SOCK_STREAM, 0, "AF_VSOCK" },
        { AF_XDP, SOCK_RAW, 0, "AF_XDP" },
        { AF_TIPC, SOCK_RDM, 0, "AF_TIPC" },
        { AF_CAN, SOCK_RAW, 1, "AF_CAN" },
        { AF_BLUETOOTH, SOCK_RAW, 0, "AF_BLUETOOTH" },
        { AF_RDS, SOCK_SEQPACKET, 0, "AF_RDS" },
    };
    begin("sockets", "open raw, packet, netlink or other non-IP sockets");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int fd = socket(kinds[i].family, kinds[i].type | SOCK_CLOEXEC, kinds[i].protocol);
        if (fd >= 0) {
            close(fd);
            allowed("%s", kinds[i].name);
        } else if (errno == EINVAL || errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT) {
            allowed("%s reached the kernel (%s)", kinds[i].name, strerror(errno));
        } else {
            failed(errno, kinds[i].name);
        }
    }
    end();
}

/* The proxy's own: the journal (systemd 257 shows its stream and syslog sockets too: the same
 * journald), and systemd-resolved where nsswitch.conf asks it. */
static int needed_socket(const char *path) {
    return !strcmp(path, "/run/systemd/journal/socket") ||
           !strcmp(path, "/run/systemd/journal/stdout") ||
           !strcmp(path, "/run/systemd/journal/dev-log") ||
           !strcmp(path, "/run/systemd/resolve/io.systemd.Resolve");
}

static void try_unix(const char *path) {
    if (strlen(path) >= sizeof ((struct sockaddr_un *)0)->sun_path) return;
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    memcpy(a.sun_path, path, strlen(path) + 1);
    int ok = 0, err = 0;
    for (int type = SOCK_STREAM; type <= SOCK_DGRAM && !ok; type++) {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0) { err = errno; continue; }
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) ok = 1;
        else err = errno;
        close(fd);
    }
    if (ok) allowed("connected to %s", path);
    else if (err == ENOENT || err == EPROTOTYPE || err == ECONNREFUSED) denied(); /* nobody there */
    else failed(err, path);
}

static void attack_unix_sockets(const char *dir, int depth) {
    if (depth > 12) return;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            attack_unix_sockets(path, depth + 1);
        } else if (S_ISSOCK(st.st_mode) && !needed_socket(path)) {
            try_unix(path);
        }
    }
    closedir(d);
}

static void attack_network(void) {
    int err;
    begin("reach-upstream", "reach the upstream (must work)");
    if (t.upstream[0]) {
        if (connect_to(t.upstream, SOCK_STREAM, &err) == 0) allowed("connected to %s", t.upstream);
        else failed(err, t.upstream);
    }
    end();

    begin("link-local", "reach a link-local or multicast address");
    if (t.linklocal[0]) {
        if (connect_to(t.linklocal, SOCK_STREAM, &err) == 0) allowed("connected to %s", t.linklocal);
        else if (err == ECONNREFUSED) allowed("%s answered (refused)", t.linklocal);
        else failed_to_reach(err, t.linklocal);
    }
    if (connect_to("224.0.0.251:5353", SOCK_DGRAM, &err) == 0) allowed("sent to 224.0.0.251");
    else failed_to_reach(err, "224.0.0.251");
    end();

    begin("unix-sockets", "connect to a host service's unix socket (D-Bus, ...)");
    attack_unix_sockets("/run", 0);
    attack_unix_sockets("/var/run", 0);
    /* By their well-known names too: a sandbox that hides the listing may not hide the socket. */
    try_unix("/run/dbus/system_bus_socket");
    try_unix("/run/systemd/private");
    try_unix("/run/systemd/notify");
    try_unix("/run/systemd/io.system.ManagedOOM");
    if (n_tried == 0) denied();
    end();
}

static void attack_kernel(void) {
    begin("module", "load or unload a kernel module");
    static char image[64] = "\177ELF not a module";
    if (syscall(SYS_init_module, image, sizeof image, "") == 0) allowed("init_module");
    else failed(errno, "init_module");
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (syscall(SYS_finit_module, fd, "", 0) == 0) allowed("finit_module");
        else failed(errno, "finit_module");
        close(fd);
    }
    if (syscall(SYS_delete_module, "o1_probe_none", O_NONBLOCK) == 0) allowed("delete_module");
    else failed(errno, "delete_module");
    end();

    begin("tunables", "change sysctls, the hostname or the clock");
    static const char *const knobs[] = {
        "/proc/sys/kernel/domainname", "/proc/sys/kernel/hostname",
        "/proc/sys/net/ipv4/ip_forward", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger",
        "/sys/kernel/mm/transparent_hugepage/enabled", NULL,
    };
    for (const char *const *k = knobs; *k; k++) {
        int kfd = open(*k, O_WRONLY | O_CLOEXEC);
        if (kfd >= 0) { close(kfd); allowed("opened %s for writing", *k); }
        else if (errno == ENOENT) denied();
        else failed(errno, *k);
    }
    char host[256];
    gethostname(host, sizeof host);
    if (sethostname(host, strlen(host)) == 0) allowed("sethostname");
    else failed(errno, "sethostname");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (clock_settime(CLOCK_REALTIME, &now) == 0) allowed("clock_settime");
    else failed(errno, "clock_settime");
    end();
}

static void attack_kernel_log(void) {
    begin("kernel-log", "read the kernel log");
    try_read("/dev/kmsg");
    try_read("/proc/kmsg");
    char buf[256];
    if (syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf) >= 0)
        allowed("syslog(SYSLOG_ACTION_READ_ALL)");
    else
        failed(errno, "syslog");
    end();
}

static void attack_realtime(void) {
    begin("realtime", "take realtime scheduling");
    struct sched_param rt = { .sched_priority = 1 }, normal = { .sched_priority = 0 };
    if (sched_setscheduler(0, SCHED_FIFO, &rt) == 0) {
        sched_setscheduler(0, SCHED_OTHER, &normal);
        allowed("sched_setscheduler(SCHED_FIFO)");
    } else {
        failed(errno, "sched_setscheduler");
    }
    end();
}

static void attack_state_directory(void) {
    begin("state-dir", "write its state directory (must work)");
    const char *dir = getenv("STATE_DIRECTORY");
    if (dir && *dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/.o1-probe", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            unlink(path);
            allowed("wrote %s", path);
        } else {
            failed(errno, path);
        }
    }
    end();
}

static void attack_capabilities(void) {
    begin("capability", "gain a capability or another user");
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0xff, sizeof data);
    if (syscall(SYS_capset, &h, data) == 0) allowed("capset raised every capability");
    else failed(errno, "capset");
    if (setuid(0) == 0) allowed("setuid(0)");
    else failed(errno, "setuid");
    if (setgroups(0, NULL) == 0 && getuid() != 0) allowed("setgroups");
    else if (getuid() != 0) failed(errno, "setgroups");
    else allowed("is root");
    pid_t pid = fork();
    if (pid == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) allowed("unshare(CLONE_NEWUSER): full capabilities in a new user namespace");
    else failed(WIFEXITED(status) ? WEXITSTATUS(status) : EINTR, "unshare(CLONE_NEWUSER)");
    if (t.suid[0]) {
        char who[128];
        run_whoami(t.suid, who, sizeof who);
        if (!who[0]) denied();                  /* did not run at all */
        else if (strncmp(who, "uid=0 ", 6) == 0 || !strstr(who, "caps=0000000000000000"))
            allowed("set-uid root program ran as %s", who);
        else denied();
    }
    end();
}

static void ret_function(void *code) {
    ((void (*)(void))code)();
}

static void attack_exec_memory(void) {
    begin("exec", "execute written memory or written files");
    const unsigned char ret = 0xc3;              /* x86-64 `ret`: calling it proves execution */
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
        memcpy(p, &ret, 1);
        ret_function(p);
        allowed("mmap(PROT_WRITE|PROT_EXEC)");
        munmap(p, 4096);
    } else failed(errno, "mmap rwx");

    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
        memcpy(p, &ret, 1);
        if (mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0) {
            ret_function(p);
            allowed("mprotect(written page, PROT_EXEC)");
        } else failed(errno, "mprotect");
        munmap(p, 4096);
    }

    int mfd = syscall(SYS_memfd_create, "o1-probe", 0);
    if (mfd >= 0) {
        if (write(mfd, &ret, 1) == 1) {
            p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, mfd, 0);
            if (p != MAP_FAILED) {
                ret_function(p);
                allowed("memfd_create + mmap(PROT_EXEC)");
                munmap(p, 4096);
            } else failed(errno, "memfd mmap exec");
        }
        close(mfd);
    } else failed(errno, "memfd_create");

    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (shm >= 0) {
        p = shmat(shm, NULL, SHM_EXEC);
        if (p != (void *)-1) { allowed("shmat(SHM_EXEC)"); shmdt(p); }
        else failed(errno, "shmat SHM_EXEC");
        shmctl(shm, IPC_RMID, NULL);
    } else failed(errno, "shmget");

    /* A file written where it may write: mapped executable, and run as a program. */
    const char *dirs[] = { "/tmp", "/var/tmp", env_or("STATE_DIRECTORY", ""), "/dev/shm", NULL };
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    for (const char **dir = dirs; *dir; dir++) {
        if (!**dir) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/o1-probe-exec", *dir);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
        if (fd < 0) continue;                /* not writable: the write attack's business */
        if (self >= 0) {
            char buf[65536];
            ssize_t n;
            lseek(self, 0, SEEK_SET);
            while ((n = read(self, buf, sizeof buf)) > 0)
                if (write(fd, buf, n) != n) break;
        }
        p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) { allowed("mmap(PROT_EXEC) of %s", path); munmap(p, 4096); }
        else failed(errno, path);
        close(fd);
        char who[128];
        run_whoami(path, who, sizeof who);
        if (who[0]) allowed("ran %s", path);
        else denied();
        unlink(path);
    }
    if (self >= 0) close(self);
    end();
}

static void attack_private_tmp(void) {
    begin("host-tmp", "see the host's /tmp");
    if (t.host_marker[0]) {
        if (access(t.host_marker, F_OK) == 0) allowed("sees %s", t.host_marker);
        else denied();
    }
    end();
}

static void whoami(void) {
    unsigned long long caps = 0;
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7)) caps = strtoull(line + 7, NULL, 16);
    if (f) fclose(f);
    printf("uid=%d caps=%016llx\n", (int)geteuid(), caps);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--whoami")) {
        whoami();
        return 0;
    }
    char line[2048] = "";
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof line - 1 && (r = read(0, line + n, 1)) == 1 && line[n] != '\n') n++;
    line[n] = 0;
    parse_targets(line);
    signal(SIGPIPE, SIG_IGN);
    if (t.confine) {
        begin("unconfined", "run without the proxy's own sandbox (must not)");
        int abi = o1_sandbox_confine(getenv("STATE_DIRECTORY"), getenv("O1_PROXY_CA_BUNDLE"));
        if (abi < 0) allowed("o1_sandbox_confine: %s", strerror(-abi));
        end();
    }

    attack_read_secrets();
    attack_see_processes();
    attack_ptrace();
    attack_write();
    attack_sockets();
    attack_network();
    attack_kernel();
    attack_kernel_log();
    attack_realtime();
    attack_capabilities();
    attack_exec_memory();
    attack_private_tmp();
    attack_state_directory();
    return 0;
}
