#ifndef O1_PROXY_CSANDBOX_H
#define O1_PROXY_CSANDBOX_H

/// Confines the calling process with Landlock, once it has read its key and rules: from then on
/// it may read the system's files it needs (/usr, /etc, resolved's files, the CPU list), open
/// files in /proc by name (libdispatch reads its threads' /proc/TID/stat) but not list /proc,
/// read, write and list `state_directory` (NULL: nowhere), read the file `ca_bundle` (the CA
/// bundle libcurl was told to read, which may lie outside /usr and /etc; NULL: none), and
/// execute nothing; where the kernel can scope them (Landlock ABI 6), it can signal no process and reach no abstract UNIX socket
/// outside itself; and it can open no new UNIX socket (seccomp: the journal's is open already).
/// It is also made undumpable, so that no process of its user can ptrace it or
/// read its memory and /proc files. Must run while the process has a single thread: Landlock
/// confines the calling thread and the threads it creates.
///
/// Returns the Landlock ABI version used (>= 1) when confined, or a negative errno: -ENOSYS or
/// -EOPNOTSUPP when the kernel has no Landlock, -EBUSY when the process already has threads,
/// anything else from the kernel. A path that does not exist is left out.
int o1_sandbox_confine(const char *state_directory, const char *ca_bundle);

#endif
