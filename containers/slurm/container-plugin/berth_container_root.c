/*
 * The container's root filesystem, safely: every path a user gives (working
 * directory, mount targets, the batch script's place) is resolved inside the
 * root with openat2's RESOLVE_IN_ROOT, so neither ".." nor an absolute
 * symbolic link in the image reaches the node's files; mounts then go onto
 * the descriptor (/proc/self/fd/N), never onto a path that could be swapped.
 * And the seccomp filter that lets package managers run as remapped root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth_container_internal.h"

static int resolve(int root_fd, const char* path, int directory) {
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC | (directory ? O_DIRECTORY : 0),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    /* "" means the root itself. */
    return (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof how);
}

/* Makes the last component of path (its parent resolved inside the root). */
static int create_last(int root_fd, const char* path, size_t parent_length, const char* name,
                       int directory) {
    char parent[PATH_LENGTH];
    if (berth_format(parent, sizeof parent, "%.*s", (int)parent_length, path) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int parent_fd = resolve(root_fd, parent, 1);
    if (parent_fd < 0)
        return -1;
    int result;
    if (directory) {
        result = mkdirat(parent_fd, name, 0755);
    } else {
        result =
            openat(parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (result >= 0)
            result = close(result);
    }
    int saved = errno;
    close(parent_fd);
    errno = saved;
    return result != 0 && errno != EEXIST ? -1 : 0;
}

int berth_open_in_root(int root_fd, const char* path, int create, int directory) {
    int fd = resolve(root_fd, path, directory);
    if (fd >= 0 || !create || errno != ENOENT)
        return fd;
    /* Walk the components, making each missing one inside the root; the
     * parent is resolved anew each time, so a symbolic link met on the way
     * is followed inside the root too. */
    size_t length = strlen(path);
    for (size_t start = 0; start < length;) {
        while (start < length && path[start] == '/')
            ++start;
        size_t end = start;
        while (end < length && path[end] != '/')
            ++end;
        if (end == start)
            break;
        char name[256];
        if (end - start >= sizeof name) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, path + start, end - start);
        name[end - start] = '\0';
        int last = end >= length || path[end + strspn(path + end, "/")] == '\0';
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
            create_last(root_fd, path, start, name, last ? directory : 1) != 0)
            return -1;
        start = end;
    }
    return resolve(root_fd, path, directory);
}

/* Calls that succeed without effect under the filter, as enroot's does. */
static const int faked_calls[] = {
    SYS_chown,     SYS_fchown,   SYS_lchown,   SYS_fchownat,  SYS_setuid,
    SYS_setgid,    SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid,
    SYS_setgroups, SYS_setfsuid, SYS_setfsgid,
};

int berth_install_seccomp_filter(void) {
    enum { calls = sizeof faked_calls / sizeof faked_calls[0] };
    struct sock_filter program[calls + 6];
    size_t at = 0;
    program[at++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    program[at++] =
        (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[at++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (size_t i = 0; i < calls; ++i) {
        /* A match jumps over the remaining tests and the ALLOW. */
        unsigned char skip = (unsigned char)(calls - i);
        program[at++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                     (unsigned)faked_calls[i], skip, 0);
    }
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0);
    struct sock_fprog filter = {.len = (unsigned short)at, .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
        complain("cannot install the seccomp filter: %s", strerror(errno));
        return -1;
    }
    return 0;
}
