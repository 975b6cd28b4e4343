/*
 * berth_container: Pyxis-compatible container options for srun and sbatch,
 * as a SPANK plugin of berth's own (Pyxis and enroot are not packaged for
 * Debian). In each task, as the job user:
 *   1. the image is pulled from the registry with skopeo and unpacked with
 *      umoci --rootless, once per digest (a lock makes concurrent array
 *      tasks pull once; later jobs reuse the cache);
 *   2. the task enters new user and mount namespaces, gets an overlay (or,
 *      with --container-name, a kept copy) of the image's root filesystem,
 *      the requested bind mounts, the home folder, /proc, /sys and /dev;
 *   3. it changes root and working directory, takes the image's
 *      environment under the job's, and runs the command as PID 1 of a PID
 *      namespace of its own.
 * Errors a user can act on go to the task's stderr and fail the step.
 *
 * It runs with every job user's input, so it trusts none: no shell (programs
 * get argument vectors), container names are checked, every path that does
 * not fit is an error, and a task's scratch folders are private (mkdtemp)
 * and removed when the task ends. The pure parts are in
 * berth_container_logic.c, where the unit tests reach them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "berth_container_logic.h"

SPANK_PLUGIN(berth_container, 1);

#define PATH_LENGTH BERTH_PATH_LENGTH

static char *image_option;
static char *mounts_option;
static char *workdir_option;
static char *name_option;
static char *env_option;
static int remap_root;
static int mount_home = 1;
static char default_registry[256] = "registry:5000";

static int take_option(int value, const char *argument, int remote);

struct spank_option spank_options[] = {
    {"container-image", "[REGISTRY#]IMAGE[:TAG]", "[berth] run the task in this image", 1, 0, take_option},
    {"container-mounts", "SRC:DST[:ro|rw][,...]", "[berth] bind mounts into the container", 1, 1, take_option},
    {"container-workdir", "PATH", "[berth] working directory inside the container", 1, 2, take_option},
    {"container-name", "NAME", "[berth] keep the container's files under this name across steps", 1, 3,
     take_option},
    {"container-env", "NAME[,NAME...]", "[berth] job variables that override the image's", 1, 4, take_option},
    {"container-remap-root", NULL, "[berth] be root inside the container", 0, 5, take_option},
    {"no-container-remap-root", NULL, "[berth] keep your own uid inside the container (default)", 0, 6,
     take_option},
    {"container-mount-home", NULL, "[berth] bind your home folder (default)", 0, 7, take_option},
    {"no-container-mount-home", NULL, "[berth] do not bind your home folder", 0, 8, take_option},
    SPANK_OPTIONS_TABLE_END};

static void replace(char **slot, const char *value) {
    free(*slot);
    *slot = value ? strdup(value) : NULL;
}

static int take_option(int value, const char *argument, int remote) {
    (void)remote;
    switch (value) {
        case 0: replace(&image_option, argument); break;
        case 1: replace(&mounts_option, argument); break;
        case 2: replace(&workdir_option, argument); break;
        case 3:
            /* The name becomes a folder under the user's cache: no paths. */
            if (!berth_valid_container_name(argument)) {
                slurm_error("berth-container: --container-name '%s': use letters, digits, '.', '_' and '-' "
                            "(at most %d), not beginning with '.'",
                            argument ? argument : "", BERTH_NAME_LENGTH);
                return -1;
            }
            replace(&name_option, argument);
            break;
        case 4: replace(&env_option, argument); break;
        case 5: remap_root = 1; break;
        case 6: remap_root = 0; break;
        case 7: mount_home = 1; break;
        case 8: mount_home = 0; break;
    }
    return 0;
}

/* Errors go to the task's stderr, prefixed so the user knows who speaks. */
static void complain(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "berth-container: ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    fflush(stderr);
}

int slurm_spank_init(spank_t spank, int argc, char **argv) {
    (void)spank;
    if (berth_registry_argument(argc, argv, default_registry, sizeof default_registry) != 0) {
        slurm_error("berth-container: default_registry= in plugstack.conf is too long");
        return -1;
    }
    return 0;
}

/* Appends a block to a NUL-terminated buffer, dropping what does not fit. */
static void keep(char *buffer, size_t capacity, size_t *used, const char *block, size_t count) {
    if (!buffer || *used + 1 >= capacity) return;
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
static int run(char *output, size_t output_capacity, char *errors, size_t errors_capacity, char *const argv[]) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return -1;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (output) output[0] = '\0';
    if (errors) errors[0] = '\0';
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
    char *buffers[2] = {output, errors};
    size_t capacities[2] = {output_capacity, errors_capacity};
    int open_ends = 2;
    while (open_ends > 0) {
        if (poll(ends, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (ends[i].fd < 0 || !(ends[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char block[4096];
            ssize_t count = read(ends[i].fd, block, sizeof block);
            if (count < 0 && errno == EINTR) continue;
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
        if (ends[i].fd >= 0) close(ends[i].fd);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Formats a path; a path that does not fit is an error, never used cut. */
#define PATH_OR_FAIL(buffer, ...)                                       \
    do {                                                                \
        if (berth_format(buffer, sizeof buffer, __VA_ARGS__) != 0) {    \
            complain("a path is too long: %.80s...", buffer);           \
            return -1;                                                  \
        }                                                               \
    } while (0)

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *walk) {
    (void)info;
    (void)walk;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf without a shell: depth first, never following symbolic links. */
static int remove_tree(const char *path) {
    if (access(path, F_OK) != 0 && errno == ENOENT) return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void trim(char *text) {
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' ')) text[--length] = '\0';
}

static int make_folders(const char *path) {
    char copy[PATH_LENGTH];
    if (berth_format(copy, sizeof copy, "%s", path) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *slash = copy + 1; *slash; ++slash) {
        if (*slash != '/') continue;
        *slash = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) return -1;
        *slash = '/';
    }
    return mkdir(copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static double seconds_now(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return now.tv_sec + now.tv_usec / 1e6;
}

/* Reads the image's environment and working directory from the unpacked
 * bundle's config.json; the path is an argument, never part of the script. */
static const char describe_script[] =
    "import json, sys\n"
    "folder = sys.argv[1]\n"
    "process = json.load(open(folder + '/config.json'))['process']\n"
    "open(folder + '/env', 'w').write('\\0'.join(process.get('env', [])))\n"
    "open(folder + '/cwd', 'w').write(process.get('cwd', '/'))\n";

/* Pulls and unpacks the image into bundle (a folder named by the digest,
 * holding rootfs/, env and cwd) unless it is there. Called with the lock
 * held. */
static int unpack_image(const char *reference, const char *source, const char *bundle) {
    char layout[PATH_LENGTH], destination[PATH_LENGTH + 16], partial[PATH_LENGTH], errors[8192];
    PATH_OR_FAIL(layout, "%s.oci", bundle);
    PATH_OR_FAIL(destination, "oci:%s:image", layout);
    PATH_OR_FAIL(partial, "%s.partial", bundle);
    double started = seconds_now();
    remove_tree(layout);
    remove_tree(partial);
    char *copy[] = {"skopeo", "copy", "--quiet", (char *)source, destination, NULL};
    char *unpack[] = {"umoci", "unpack", "--rootless", "--image", destination + 4, partial, NULL};
    char *describe[] = {"python3", "-c", (char *)describe_script, partial, NULL};
    int result = 0;
    if (run(NULL, 0, errors, sizeof errors, copy) != 0) {
        trim(errors);
        complain("image %s: pulling failed: %s", reference, errors);
        result = -1;
    } else if (run(NULL, 0, errors, sizeof errors, unpack) != 0) {
        trim(errors);
        complain("image %s: unpacking failed: %s", reference, errors);
        result = -1;
    } else if (run(NULL, 0, errors, sizeof errors, describe) != 0 || rename(partial, bundle) != 0) {
        complain("image %s: cannot read its configuration", reference);
        result = -1;
    } else {
        fprintf(stderr, "berth-container: imported %s in %.2f s\n", reference, seconds_now() - started);
    }
    remove_tree(layout);
    remove_tree(partial);
    return result;
}

/* Pulls and unpacks the image once per digest; returns 0 and the bundle
 * folder (holding rootfs/, env and cwd), or -1 after complaining. */
static int import_image(const char *reference, const char *home, char *bundle, size_t capacity) {
    char answer[8192], errors[8192], digest[65];
    char source[PATH_LENGTH];
    PATH_OR_FAIL(source, "docker://%s", reference);
    char *inspect[] = {"skopeo", "inspect", "--format", "{{.Digest}}", source, NULL};
    if (run(answer, sizeof answer, errors, sizeof errors, inspect) != 0) {
        trim(errors);
        complain("image %s: the registry said: %s", reference, errors);
        return -1;
    }
    /* Only stdout is the answer, and it must be a digest: it names a folder. */
    if (berth_digest_hex(answer, digest, sizeof digest) != 0) {
        trim(answer);
        complain("image %s: the registry's digest '%.100s' is not sha256:<64 hex digits>", reference, answer);
        return -1;
    }
    char cache[PATH_LENGTH];
    PATH_OR_FAIL(cache, "%s/.cache/berth-containers", home);
    if (make_folders(cache) != 0) {
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

static int write_file(const char *path, const char *text) {
    int descriptor = open(path, O_WRONLY | O_CLOEXEC);
    if (descriptor < 0) return -1;
    ssize_t written = write(descriptor, text, strlen(text));
    close(descriptor);
    return written == (ssize_t)strlen(text) ? 0 : -1;
}

/* A bind mount; read-only keeps the flags the kernel locked (nosuid, ...). */
static int bind(const char *source, const char *target, int read_only) {
    struct stat info;
    if (stat(source, &info) != 0) {
        complain("mount source %s: %s", source, strerror(errno));
        return -1;
    }
    if (S_ISDIR(info.st_mode)) {
        make_folders(target);
    } else {
        int created = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (created >= 0) close(created);
    }
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) {
        complain("cannot bind %s to %s: %s", source, target, strerror(errno));
        return -1;
    }
    if (read_only) {
        struct statvfs flags;
        unsigned long locked = 0;
        if (statvfs(target, &flags) == 0) {
            locked = flags.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
        }
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked, NULL) != 0) {
            complain("cannot make %s read-only: %s", target, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int apply_mounts(const char *root, const char *list) {
    char *copy = strdup(list);
    if (!copy) return -1;
    int result = 0;
    char *state = NULL;
    for (char *item = strtok_r(copy, ",", &state); item && result == 0; item = strtok_r(NULL, ",", &state)) {
        static struct berth_mount parsed; /* 8 KiB: not on the task's stack */
        char error[PATH_LENGTH], inside[PATH_LENGTH * 2];
        if (berth_parse_mount(item, &parsed, error, sizeof error) != 0) {
            complain("%s", error);
            result = -1;
        } else if (berth_format(inside, sizeof inside, "%s%s", root, parsed.target) != 0) {
            complain("mount target %s: the path is too long", parsed.target);
            result = -1;
        } else {
            result = bind(parsed.source, inside, parsed.read_only);
        }
    }
    free(copy);
    return result;
}

static void set_job_variable(const char *name, const char *value, int image_wins, void *context) {
    spank_setenv((spank_t)context, name, value, image_wins);
}

/* The image's environment over the job's, as Pyxis has it: an image built
 * with ENV PYTHONPATH or LD_LIBRARY_PATH must get those, whatever the job
 * exported, unless --container-env names them. */
static void merge_environment(spank_t spank, const char *bundle) {
    char path[PATH_LENGTH];
    if (berth_format(path, sizeof path, "%s/env", bundle) != 0) return;
    FILE *file = fopen(path, "re");
    if (!file) return;
    static char text[65536];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    berth_merge_environment(text, length, env_option, set_job_variable, spank);
}

static pid_t namespace_child = -1;

static void forward_signal(int signal_number) {
    if (namespace_child > 0) kill(namespace_child, signal_number);
}

/* The task's command becomes PID 1 of a PID namespace of its own: this
 * process forks, the child returns to slurmstepd and execs the command, and
 * the parent stays as the task Slurm knows, forwarding signals and ending
 * the way the command ends. The child dies with its parent (PDEATHSIG), so
 * a killed step leaves nothing behind. */
static int enter_pid_namespace(void) {
    if (unshare(CLONE_NEWPID) != 0) {
        complain("cannot enter a PID namespace: %s", strerror(errno));
        return -1;
    }
    /* The parent holds the write end; the child sees it closed (POLLHUP) if
     * the parent died before PR_SET_PDEATHSIG took effect, which the signal
     * alone would never tell it. */
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) != 0) {
        complain("cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    namespace_child = fork();
    if (namespace_child < 0) {
        complain("cannot fork into the PID namespace: %s", strerror(errno));
        close(alive[0]);
        close(alive[1]);
        return -1;
    }
    if (namespace_child == 0) {
        close(alive[1]);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        struct pollfd parent = {.fd = alive[0], .events = POLLIN};
        if (poll(&parent, 1, 0) != 0) _exit(1); /* the parent is already gone */
        close(alive[0]);
        /* A /proc of the new namespace over the bound one, where the engine
         * allows it: Docker and Podman mask parts of /proc, and the kernel
         * then refuses a new proc mount in a user namespace. The bound /proc
         * stays; the command is still PID 1 and its signals its own. */
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        return 0;
    }
    close(alive[0]);
    const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGALRM};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; ++i) signal(forwarded[i], forward_signal);
    int status = 0;
    while (waitpid(namespace_child, &status, 0) < 0) {
        if (errno != EINTR) _exit(1);
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        kill(getpid(), WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(WEXITSTATUS(status));
}

/* Where a task keeps its overlay: "<tmp>/berth-container-JOB.STEP.TASK-",
 * the job's TMPDIR or /tmp, and mkdtemp's six letters after it. */
static int scratch_prefix(spank_t spank, char *tmp, size_t tmp_capacity, char *prefix, size_t capacity) {
    uint32_t job = 0, step = 0, task = 0;
    spank_get_item(spank, S_JOB_ID, &job);
    spank_get_item(spank, S_JOB_STEPID, &step);
    spank_get_item(spank, S_TASK_GLOBAL_ID, &task);
    if (spank_getenv(spank, "TMPDIR", tmp, (int)tmp_capacity) != ESPANK_SUCCESS || tmp[0] != '/') {
        if (berth_format(tmp, tmp_capacity, "/tmp") != 0) return -1;
    }
    return berth_format(prefix, capacity, "berth-container-%u.%u.%u-", job, step, task);
}

/* The root of a named container: a copy of the image made on first use,
 * kept under the user's cache (the name was checked when it was given). */
static int named_root(const char *home, const char *image_root, char *root, size_t capacity) {
    char named[PATH_LENGTH], partial[PATH_LENGTH];
    PATH_OR_FAIL(named, "%s/.cache/berth-containers/named", home);
    if (berth_format(root, capacity, "%s/%s", named, name_option) != 0) {
        complain("a path is too long: %.80s...", named);
        return -1;
    }
    PATH_OR_FAIL(partial, "%s.partial", root);
    if (access(root, F_OK) == 0) return 0;
    make_folders(named);
    remove_tree(partial);
    char errors[4096];
    char *copy[] = {"cp", "-a", "--", (char *)image_root, partial, NULL};
    if (run(NULL, 0, errors, sizeof errors, copy) != 0 || rename(partial, root) != 0) {
        trim(errors);
        complain("cannot create container %s: %s", name_option, errors);
        remove_tree(partial);
        return -1;
    }
    return 0;
}

/* A private scratch folder (mkdtemp: 0700, a fresh name) with the overlay's
 * root, upper and work folders; slurm_spank_task_exit removes it. */
static int scratch_root(spank_t spank, char *root, size_t capacity, char *upper, char *work) {
    char tmp[PATH_LENGTH], prefix[256], scratch[PATH_LENGTH];
    if (scratch_prefix(spank, tmp, sizeof tmp, prefix, sizeof prefix) != 0) {
        complain("the job's TMPDIR is too long");
        return -1;
    }
    PATH_OR_FAIL(scratch, "%s/%sXXXXXX", tmp, prefix);
    if (!mkdtemp(scratch)) {
        complain("cannot make a scratch folder in %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (berth_format(root, capacity, "%s/root", scratch) != 0 ||
        berth_format(upper, PATH_LENGTH, "%s/upper", scratch) != 0 ||
        berth_format(work, PATH_LENGTH, "%s/work", scratch) != 0) {
        complain("a path is too long: %.80s...", scratch);
        return -1;
    }
    if (mkdir(root, 0700) != 0 || mkdir(upper, 0700) != 0 || mkdir(work, 0700) != 0) {
        complain("cannot make folders in %s: %s", scratch, strerror(errno));
        return -1;
    }
    return 0;
}

/* New user and mount namespaces in which the job user is itself (or root
 * with --container-remap-root); every map write is checked. */
static int enter_user_namespace(uid_t uid, gid_t gid) {
    /* slurmstepd dropped root to become the user, which leaves the task
     * undumpable and its /proc files root's: the maps could not be written. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        complain("cannot enter user and mount namespaces: %s (the container needs seccomp=unconfined)",
                 strerror(errno));
        return -1;
    }
    char map[64];
    if (berth_format(map, sizeof map, "%u %u 1", remap_root ? 0 : (unsigned)uid, (unsigned)uid) != 0) return -1;
    /* Without "deny" in setgroups an unprivileged gid_map is refused; a
     * kernel without the file (before 3.19) needs none. */
    if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
        complain("cannot deny setgroups: %s", strerror(errno));
        return -1;
    }
    if (write_file("/proc/self/uid_map", map) != 0) {
        complain("cannot map the user: %s", strerror(errno));
        return -1;
    }
    if (berth_format(map, sizeof map, "%u %u 1", remap_root ? 0 : (unsigned)gid, (unsigned)gid) != 0) return -1;
    if (write_file("/proc/self/gid_map", map) != 0) {
        complain("cannot map the group: %s", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        complain("cannot make mounts private: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* /proc, /sys, /dev, /tmp, the home folder and --container-mounts. */
static int mount_into(const char *root, const char *home) {
    char inside[PATH_LENGTH];
    const char *system_folders[] = {"/proc", "/sys", "/dev"};
    for (int i = 0; i < 3; ++i) {
        PATH_OR_FAIL(inside, "%s%s", root, system_folders[i]);
        if (bind(system_folders[i], inside, 0) != 0) return -1;
    }
    PATH_OR_FAIL(inside, "%s/tmp", root);
    make_folders(inside);
    if (mount_home) {
        PATH_OR_FAIL(inside, "%s%s", root, home);
        if (bind(home, inside, 0) != 0) return -1;
    }
    if (mounts_option && apply_mounts(root, mounts_option) != 0) return -1;
    return 0;
}

/* --container-workdir, else the image's, else "/". */
static int working_directory(const char *bundle, char *workdir, size_t capacity) {
    if (workdir_option) {
        if (berth_format(workdir, capacity, "%s", workdir_option) != 0) {
            complain("--container-workdir is too long");
            return -1;
        }
        return 0;
    }
    berth_format(workdir, capacity, "/");
    char cwd_file[PATH_LENGTH];
    PATH_OR_FAIL(cwd_file, "%s/cwd", bundle);
    FILE *file = fopen(cwd_file, "re");
    if (file) {
        if (!fgets(workdir, (int)capacity, file)) berth_format(workdir, capacity, "/");
        fclose(file);
    }
    return 0;
}

int slurm_spank_task_init(spank_t spank, int argc, char **argv) {
    (void)argc;
    (void)argv;
    if (!image_option) return 0;
    uid_t uid = getuid();
    gid_t gid = getgid();
    char home[PATH_LENGTH] = "/tmp";
    if (spank_getenv(spank, "HOME", home, sizeof home) != ESPANK_SUCCESS || home[0] != '/')
        berth_format(home, sizeof home, "/tmp");
    /* skopeo and umoci read their configuration from the home folder; the
     * task still has slurmstepd's environment (the job's is applied at exec). */
    setenv("HOME", home, 1);
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("XDG_CONFIG_HOME");
    char reference[PATH_LENGTH];
    if (berth_image_reference(image_option, default_registry, reference, sizeof reference) != 0) {
        complain("--container-image '%.200s' is empty or too long", image_option);
        return -1;
    }
    char bundle[PATH_LENGTH];
    if (import_image(reference, home, bundle, sizeof bundle) != 0) return -1;

    char image_root[PATH_LENGTH], root[PATH_LENGTH], upper[PATH_LENGTH], work[PATH_LENGTH];
    PATH_OR_FAIL(image_root, "%s/rootfs", bundle);
    int use_overlay = !name_option;
    if (name_option ? named_root(home, image_root, root, sizeof root) != 0
                    : scratch_root(spank, root, sizeof root, upper, work) != 0)
        return -1;
    if (enter_user_namespace(uid, gid) != 0) return -1;
    if (use_overlay) {
        char options[PATH_LENGTH * 3];
        PATH_OR_FAIL(options, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", image_root, upper, work);
        if (mount("overlay", root, "overlay", 0, options) != 0) {
            /* No overlay in this kernel or namespace: run on the cached
             * files themselves. */
            PATH_OR_FAIL(root, "%s", image_root);
        }
    }
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) != 0) {
        complain("cannot bind the root filesystem: %s", strerror(errno));
        return -1;
    }
    if (mount_into(root, home) != 0) return -1;
    char workdir[PATH_LENGTH];
    if (working_directory(bundle, workdir, sizeof workdir) != 0) return -1;
    if (chroot(root) != 0) {
        complain("cannot change root to %s: %s", root, strerror(errno));
        return -1;
    }
    if (chdir(workdir) != 0) {
        complain("working directory %s does not exist in the container", workdir);
        return -1;
    }
    merge_environment(spank, bundle);
    spank_setenv(spank, "PWD", workdir, 1);
    return enter_pid_namespace();
}

/* In slurmstepd, after a task ended: its scratch folders go. The folder is
 * in a place the job chose (TMPDIR), so everything here runs with the job
 * user's file-system identity, never root's. */
int slurm_spank_task_exit(spank_t spank, int argc, char **argv) {
    (void)argc;
    (void)argv;
    if (!image_option || name_option) return 0;
    uid_t uid = 0;
    gid_t gid = 0;
    char tmp[PATH_LENGTH], prefix[256];
    if (spank_get_item(spank, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
        spank_get_item(spank, S_JOB_GID, &gid) != ESPANK_SUCCESS ||
        scratch_prefix(spank, tmp, sizeof tmp, prefix, sizeof prefix) != 0)
        return 0;
    /* fsuid is per thread: this thread alone acts as the user, and gets
     * root's file-system identity back afterwards. */
    gid_t old_gid = (gid_t)setfsgid(gid);
    uid_t old_uid = (uid_t)setfsuid(uid);
    DIR *folder = opendir(tmp);
    if (folder) {
        struct dirent *entry;
        while ((entry = readdir(folder)) != NULL) {
            char path[PATH_LENGTH];
            struct stat info;
            if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0 ||
                berth_format(path, sizeof path, "%s/%s", tmp, entry->d_name) != 0 || lstat(path, &info) != 0 ||
                !S_ISDIR(info.st_mode) || info.st_uid != uid)
                continue;
            if (remove_tree(path) != 0) slurm_info("berth-container: cannot remove %s: %s", path, strerror(errno));
        }
        closedir(folder);
    }
    setfsuid(old_uid);
    setfsgid(old_gid);
    return 0;
}
