// Landlock through its system calls: glibc has no wrappers for them, and Swift cannot call the
// variadic syscall(2) or prctl(2). The structures and flags are the kernel's stable ABI, spelled
// out here so that building does not depend on how new the build machine's kernel headers are.

#define _GNU_SOURCE
#include "CSandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};

struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

enum {
    CREATE_RULESET_VERSION = 1,
    RULE_PATH_BENEATH = 1,
};

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)     // ABI 2
#define FS_TRUNCATE (1ULL << 14)  // ABI 3
#define FS_IOCTL_DEV (1ULL << 15) // ABI 5
#define FS_FILE_RIGHTS (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) // ABI 6
#define SCOPE_SIGNAL (1ULL << 1)               // ABI 6

/// Every file-system right the kernel of `abi` knows: what is not granted below is denied.
static uint64_t handled_fs(int abi) {
    uint64_t all = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_READ_DIR | FS_REMOVE_DIR | FS_REMOVE_FILE |
                   FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM;
    if (abi >= 2) all |= FS_REFER;
    if (abi >= 3) all |= FS_TRUNCATE;
    if (abi >= 5) all |= FS_IOCTL_DEV;
    return all;
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

/// No new UNIX sockets: the journal's is open already, and name lookups fall back from
/// nscd's and resolved's sockets to DNS, so what this refuses is reaching the host's other
/// services (D-Bus, systemd's) by path, which Landlock does not confine. socketpair(2), which
/// libdispatch uses within the process, stays allowed.
static int refuse_unix_sockets(void) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) == 0 ? 0 : -errno;
}

static int thread_count(void) {
    FILE *status = fopen("/proc/self/status", "re");
    if (!status) return -1;
    char line[256];
    int threads = -1;
    while (fgets(line, sizeof line, status)) {
        if (sscanf(line, "Threads: %d", &threads) == 1) break;
    }
    fclose(status);
    return threads;
}

/// A path that does not exist grants nothing and is no error: what it would have held is not
/// there to be read.
static int add_rule(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -errno;
    // A file takes only the rights that apply to files (the kernel refuses the others).
    struct stat info;
    if (fstat(fd, &info) == 0 && !S_ISDIR(info.st_mode)) access &= FS_FILE_RIGHTS;
    struct path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    long done = syscall(__NR_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &rule, 0);
    int error = done < 0 ? -errno : 0;
    close(fd);
    return error;
}

int o1_sandbox_confine(const char *state_directory, const char *ca_bundle) {
    int abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);
    if (abi < 0) return -errno;
    if (thread_count() != 1) return -EBUSY;

    struct ruleset_attr attr = {.handled_access_fs = handled_fs(abi),
                                .scoped = abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0};
    size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -errno;

    const uint64_t read = FS_READ_FILE | FS_READ_DIR;
    const uint64_t write = read | FS_WRITE_FILE | FS_REMOVE_FILE | FS_MAKE_REG | (abi >= 3 ? FS_TRUNCATE : 0);
    const struct { const char *path; uint64_t access; } rules[] = {
        {"/usr", read},                      // the binary's libraries, NSS modules, CA files
        {"/etc", read},                      // CA bundle, resolv.conf, hosts, nsswitch.conf, gai.conf
        {"/run/systemd/resolve", read},      // where /etc/resolv.conf points under resolved
        {"/sys/devices/system/cpu", read},   // how many CPUs libdispatch may use
        {"/proc", FS_READ_FILE},             // files by name, no listing of other processes
        {"/proc/self", read},
        {"/dev/null", FS_READ_FILE | FS_WRITE_FILE},
        {"/dev/urandom", FS_READ_FILE},
        {state_directory, write},            // what the proxy learns
        {ca_bundle, FS_READ_FILE},           // the lean trust store (/var/cache/o1-proxy)
    };
    int error = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && !error; i++) {
        if (rules[i].path) error = add_rule(ruleset, rules[i].path, rules[i].access);
    }
    if (!error && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) error = -errno;
    if (!error && syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) error = -errno;
    close(ruleset);
    if (!error) error = refuse_unix_sockets();
    if (error) return error;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return -errno;
    return abi;
}
