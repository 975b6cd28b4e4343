/*
 * Images for berth_container: skopeo pulls from the registry and umoci
 * unpacks, once per digest, into the user's cache; and the small tools this
 * needs (running a program without a shell, rm -rf, mkdir -p).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth_container_internal.h"

/* Appends a block to a NUL-terminated buffer, dropping what does not fit. */
static void keep(char* buffer, size_t capacity, size_t* used, const char* block, size_t count) {
    if (!buffer || *used + 1 >= capacity)
        return;
    size_t room = capacity - *used - 1;
    size_t take = count < room ? count : room;
    memcpy(buffer + *used, block, take);
    *used += take;
    buffer[*used] = '\0';
}

/* Runs a program (an argument vector: no shell ever sees job input). Its
 * standard output goes to output and its standard error to errors (either
 * may be NULL), kept apart so that a warning on stderr never becomes part
 * of an answer read from stdout. Returns the exit status, -1 when it could
 * not start or was killed. */
int berth_run(char* output, size_t output_capacity, char* errors, size_t errors_capacity,
              char* const argv[]) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (output)
        output[0] = '\0';
    if (errors)
        errors[0] = '\0';
    pid_t child = fork();
    if (child < 0) {
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        return -1;
    }
    if (child == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    struct pollfd ends[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
    size_t used[2] = {0, 0};
    char* buffers[2] = {output, errors};
    size_t capacities[2] = {output_capacity, errors_capacity};
    int open_ends = 2;
    while (open_ends > 0) {
        if (poll(ends, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (ends[i].fd < 0 || !(ends[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char block[4096];
            ssize_t count = read(ends[i].fd, block, sizeof block);
            if (count < 0 && errno == EINTR)
                continue;
            if (count <= 0) {
                close(ends[i].fd);
                ends[i].fd = -1;
                --open_ends;
                continue;
            }
            keep(buffers[i], capacities[i], &used[i], block, (size_t)count);
        }
    }
    for (int i = 0; i < 2; ++i)
        if (ends[i].fd >= 0)
            close(ends[i].fd);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int remove_entry(const char* path, const struct stat* info, int type, struct FTW* walk) {
    (void)info;
    (void)walk;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf without a shell: depth first, never following symbolic links. */
int berth_remove_tree(const char* path) {
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void trim(char* text) {
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
        text[--length] = '\0';
}

int berth_make_folders(const char* path) {
    char copy[PATH_LENGTH];
    if (berth_format(copy, sizeof copy, "%s", path) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char* slash = copy + 1; *slash; ++slash) {
        if (*slash != '/')
            continue;
        *slash = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    return mkdir(copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static double seconds_now(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return now.tv_sec + now.tv_usec / 1e6;
}

/* Reads the image's environment and working directory from the image's
 * own configuration in the OCI layout, not from the runtime config.json
 * umoci writes: that one adds HOME=/root and TERM=xterm, which would win
 * over the job's. The paths are arguments, never part of the script. */
static const char describe_script[] =
    "import json, os, sys\n"
    "layout, folder = sys.argv[1], sys.argv[2]\n"
    "def blob(digest):\n"
    "    algorithm, value = digest.split(':', 1)\n"
    "    return json.load(open(os.path.join(layout, 'blobs', algorithm, value)))\n"
    "manifest = blob(json.load(open(os.path.join(layout, "
    "'index.json')))['manifests'][0]['digest'])\n"
    "config = blob(manifest['config']['digest']).get('config') or {}\n"
    "open(folder + '/env', 'w').write('\\0'.join(config.get('Env') or []))\n"
    "open(folder + '/cwd', 'w').write(config.get('WorkingDir') or '/')\n";

/* Pulls and unpacks the image into bundle (a folder named by the digest,
 * holding rootfs/, env and cwd) unless it is there. Called with the lock
 * held. */
static int unpack_image(const char* reference, const char* source, const char* bundle) {
    char layout[PATH_LENGTH], destination[PATH_LENGTH + 16], partial[PATH_LENGTH], errors[8192];
    PATH_OR_FAIL(layout, "%s.oci", bundle);
    PATH_OR_FAIL(destination, "oci:%s:image", layout);
    PATH_OR_FAIL(partial, "%s.partial", bundle);
    double started = seconds_now();
    berth_remove_tree(layout);
    berth_remove_tree(partial);
    char* copy[] = {"skopeo", "copy", "--quiet", (char*)source, destination, NULL};
    char* unpack[] = {"umoci", "unpack", "--rootless", "--image", destination + 4, partial, NULL};
    char* describe[] = {"python3", "-c", (char*)describe_script, layout, partial, NULL};
    int result = 0;
    if (berth_run(NULL, 0, errors, sizeof errors, copy) != 0) {
        trim(errors);
        complain("image %s: pulling failed: %s", reference, errors);
        result = -1;
    } else if (berth_run(NULL, 0, errors, sizeof errors, unpack) != 0) {
        trim(errors);
        complain("image %s: unpacking failed: %s", reference, errors);
        result = -1;
    } else if (berth_run(NULL, 0, errors, sizeof errors, describe) != 0 ||
               rename(partial, bundle) != 0) {
        complain("image %s: cannot read its configuration", reference);
        result = -1;
    } else {
        fprintf(stderr, "berth-container: imported %s in %.2f s\n", reference,
                seconds_now() - started);
    }
    berth_remove_tree(layout);
    berth_remove_tree(partial);
    return result;
}

/* Pulls and unpacks the image once per digest; returns 0 and the bundle
 * folder (holding rootfs/, env and cwd), or -1 after complaining. */
int berth_import_image(const char* reference, const char* home, char* bundle, size_t capacity) {
    char answer[8192], errors[8192], digest[65];
    char source[PATH_LENGTH];
    PATH_OR_FAIL(source, "docker://%s", reference);
    char* inspect[] = {"skopeo", "inspect", "--format", "{{.Digest}}", source, NULL};
    if (berth_run(answer, sizeof answer, errors, sizeof errors, inspect) != 0) {
        trim(errors);
        complain("image %s: the registry said: %s", reference, errors);
        return -1;
    }
    /* Only stdout is the answer, and it must be a digest: it names a folder. */
    if (berth_digest_hex(answer, digest, sizeof digest) != 0) {
        trim(answer);
        complain("image %s: the registry's digest '%.100s' is not sha256:<64 hex digits>",
                 reference, answer);
        return -1;
    }
    char cache[PATH_LENGTH];
    PATH_OR_FAIL(cache, "%s/.cache/berth-containers", home);
    if (berth_make_folders(cache) != 0) {
        complain("cannot make the image cache %s: %s", cache, strerror(errno));
        return -1;
    }
    if (berth_format(bundle, capacity, "%s/%s", cache, digest) != 0) {
        complain("a path is too long: %.80s...", cache);
        return -1;
    }
    char lock_path[PATH_LENGTH], marker[PATH_LENGTH];
    PATH_OR_FAIL(lock_path, "%s.lock", bundle);
    PATH_OR_FAIL(marker, "%s/env", bundle);
    int lock = open(lock_path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock < 0) {
        complain("cannot open %s: %s", lock_path, strerror(errno));
        return -1;
    }
    if (flock(lock, LOCK_EX) != 0) {
        complain("cannot lock %s: %s", lock_path, strerror(errno));
        close(lock);
        return -1;
    }
    int result = access(marker, F_OK) == 0 ? 0 : unpack_image(reference, source, bundle);
    close(lock);
    return result;
}

int berth_write_file(const char* path, const char* text) {
    int descriptor = open(path, O_WRONLY | O_CLOEXEC);
    if (descriptor < 0)
        return -1;
    ssize_t written = write(descriptor, text, strlen(text));
    close(descriptor);
    return written == (ssize_t)strlen(text) ? 0 : -1;
}

int berth_copy_file(const char* from, const char* to) {
    char text[65536];
    FILE* in = fopen(from, "re");
    if (!in)
        return -1;
    size_t length = fread(text, 1, sizeof text, in);
    fclose(in);
    FILE* out = fopen(to, "we");
    if (!out)
        return -1;
    size_t written = fwrite(text, 1, length, out);
    return fclose(out) == 0 && written == length ? 0 : -1;
}
