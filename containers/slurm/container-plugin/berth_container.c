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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/spank.h>

SPANK_PLUGIN(berth_container, 1);

#define PATH_LENGTH 4096

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
        case 3: replace(&name_option, argument); break;
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
    for (int i = 0; i < argc; ++i) {
        if (strncmp(argv[i], "default_registry=", 17) == 0) {
            snprintf(default_registry, sizeof default_registry, "%s", argv[i] + 17);
        }
    }
    return 0;
}

/* Runs a program, its output collected into `output` (may be NULL); the
 * exit status is returned, -1 when it could not start. */
static int run(char *output, size_t capacity, char *const argv[]) {
    int ends[2];
    if (pipe(ends) != 0) return -1;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        dup2(ends[1], STDOUT_FILENO);
        dup2(ends[1], STDERR_FILENO);
        close(ends[0]);
        close(ends[1]);
        execvp(argv[0], argv);
        fprintf(stdout, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(ends[1]);
    size_t used = 0;
    char block[4096];
    ssize_t count;
    while ((count = read(ends[0], block, sizeof block)) > 0) {
        if (output && used + 1 < capacity) {
            size_t room = capacity - used - 1;
            size_t take = (size_t)count < room ? (size_t)count : room;
            memcpy(output + used, block, take);
            used += take;
        }
    }
    if (output) output[used] = '\0';
    close(ends[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void trim(char *text) {
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' ')) text[--length] = '\0';
}

/* "registry:5000#team/app:1" and "registry:5000/team/app:1" name a registry;
 * "app:1" takes the default one. */
static void image_reference(const char *option, char *reference, size_t capacity) {
    const char *hash = strchr(option, '#');
    if (hash) {
        snprintf(reference, capacity, "%.*s/%s", (int)(hash - option), option, hash + 1);
        return;
    }
    const char *slash = strchr(option, '/');
    if (slash) {
        size_t head = (size_t)(slash - option);
        int names_registry = memchr(option, '.', head) || memchr(option, ':', head) ||
                             (head == 9 && strncmp(option, "localhost", 9) == 0);
        if (names_registry) {
            snprintf(reference, capacity, "%s", option);
            return;
        }
    }
    snprintf(reference, capacity, "%s/%s", default_registry, option);
}

static int make_folders(const char *path) {
    char copy[PATH_LENGTH];
    snprintf(copy, sizeof copy, "%s", path);
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

/* Pulls and unpacks the image once per digest; returns 0 and the bundle
 * folder (holding rootfs/, env and cwd), or -1 after complaining. */
static int import_image(const char *reference, const char *home, char *bundle, size_t capacity) {
    char answer[8192];
    char source[PATH_LENGTH];
    snprintf(source, sizeof source, "docker://%s", reference);
    char *inspect[] = {"skopeo", "inspect", "--format", "{{.Digest}}", source, NULL};
    if (run(answer, sizeof answer, inspect) != 0) {
        trim(answer);
        complain("image %s: the registry said: %s", reference, answer);
        return -1;
    }
    trim(answer);
    const char *digest = strchr(answer, ':') ? strchr(answer, ':') + 1 : answer;
    char cache[PATH_LENGTH];
    snprintf(cache, sizeof cache, "%s/.cache/berth-containers", home);
    if (make_folders(cache) != 0) {
        complain("cannot make the image cache %s: %s", cache, strerror(errno));
        return -1;
    }
    snprintf(bundle, capacity, "%s/%.64s", cache, digest);
    char lock_path[PATH_LENGTH];
    snprintf(lock_path, sizeof lock_path, "%s.lock", bundle);
    int lock = open(lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        complain("cannot lock %s: %s", lock_path, strerror(errno));
        return -1;
    }
    char marker[PATH_LENGTH];
    snprintf(marker, sizeof marker, "%s/env", bundle);
    int result = 0;
    if (access(marker, F_OK) != 0) {
        double started = seconds_now();
        char layout[PATH_LENGTH], destination[PATH_LENGTH], partial[PATH_LENGTH];
        snprintf(layout, sizeof layout, "%s.oci", bundle);
        snprintf(destination, sizeof destination, "oci:%s:image", layout);
        snprintf(partial, sizeof partial, "%s.partial", bundle);
        char remove_layout[PATH_LENGTH + 16];
        snprintf(remove_layout, sizeof remove_layout, "rm -rf '%s' '%s'", layout, partial);
        char *clean[] = {"sh", "-c", remove_layout, NULL};
        run(NULL, 0, clean);
        char *copy[] = {"skopeo", "copy", "--quiet", source, destination, NULL};
        char *unpack[] = {"umoci", "unpack", "--rootless", "--image", destination + 4, partial, NULL};
        char extract[PATH_LENGTH * 2];
        snprintf(extract, sizeof extract,
                 "import json, sys\n"
                 "process = json.load(open('%s/config.json'))['process']\n"
                 "open('%s/env', 'w').write('\\0'.join(process.get('env', [])))\n"
                 "open('%s/cwd', 'w').write(process.get('cwd', '/'))\n",
                 partial, partial, partial);
        char *describe[] = {"python3", "-c", extract, NULL};
        if (run(answer, sizeof answer, copy) != 0) {
            trim(answer);
            complain("image %s: pulling failed: %s", reference, answer);
            result = -1;
        } else if (run(answer, sizeof answer, unpack) != 0) {
            trim(answer);
            complain("image %s: unpacking failed: %s", reference, answer);
            result = -1;
        } else if (run(answer, sizeof answer, describe) != 0 || rename(partial, bundle) != 0) {
            complain("image %s: cannot read its configuration", reference);
            result = -1;
        } else {
            fprintf(stderr, "berth-container: imported %s in %.2f s\n", reference, seconds_now() - started);
        }
        run(NULL, 0, clean);
    }
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
    int result = 0;
    for (char *item = strtok(copy, ","); item && result == 0; item = strtok(NULL, ",")) {
        char *source = item;
        char *target = strchr(item, ':');
        char *flags = NULL;
        if (!target || target == source || target[1] != '/' || source[0] != '/') {
            complain("bad mount '%s': expected /SOURCE:/TARGET[:ro|rw]", item);
            result = -1;
            break;
        }
        *target++ = '\0';
        flags = strchr(target, ':');
        if (flags) *flags++ = '\0';
        int read_only = 0;
        if (flags && strcmp(flags, "ro") == 0) {
            read_only = 1;
        } else if (flags && strcmp(flags, "rw") != 0) {
            complain("bad mount flags '%s': expected ro or rw", flags);
            result = -1;
            break;
        }
        char inside[PATH_LENGTH];
        snprintf(inside, sizeof inside, "%s%s", root, target);
        result = bind(source, inside, read_only);
    }
    free(copy);
    return result;
}

/* The image's environment under the job's: the job wins, except PATH, which
 * must find the image's programs, unless --container-env names it. */
static void merge_environment(spank_t spank, const char *bundle) {
    char path[PATH_LENGTH];
    snprintf(path, sizeof path, "%s/env", bundle);
    FILE *file = fopen(path, "r");
    if (!file) return;
    static char text[65536];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    for (size_t start = 0; start < length;) {
        char *entry = text + start;
        size_t entry_length = strlen(entry);
        char *equals = strchr(entry, '=');
        if (equals) {
            *equals = '\0';
            int overridden = 0;
            if (env_option) {
                char list[4096];
                snprintf(list, sizeof list, ",%s,", env_option);
                char needle[512];
                snprintf(needle, sizeof needle, ",%s,", entry);
                overridden = strstr(list, needle) != NULL;
            }
            int image_wins = strcmp(entry, "PATH") == 0 && !overridden;
            spank_setenv(spank, entry, equals + 1, image_wins);
            *equals = '=';
        }
        start += entry_length + 1;
    }
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
    namespace_child = fork();
    if (namespace_child < 0) {
        complain("cannot fork into the PID namespace: %s", strerror(errno));
        return -1;
    }
    if (namespace_child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* A /proc of the new namespace over the bound one, where the engine
         * allows it: Docker and Podman mask parts of /proc, and the kernel
         * then refuses a new proc mount in a user namespace. The bound /proc
         * stays; the command is still PID 1 and its signals its own. */
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        return 0;
    }
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

int slurm_spank_task_init(spank_t spank, int argc, char **argv) {
    (void)argc;
    (void)argv;
    if (!image_option) return 0;
    uid_t uid = getuid();
    gid_t gid = getgid();
    char home[PATH_LENGTH] = "/tmp";
    if (spank_getenv(spank, "HOME", home, sizeof home) != ESPANK_SUCCESS) snprintf(home, sizeof home, "/tmp");
    /* skopeo and umoci read their configuration from the home folder; the
     * task still has slurmstepd's environment (the job's is applied at exec). */
    setenv("HOME", home, 1);
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("XDG_CONFIG_HOME");
    char reference[PATH_LENGTH];
    image_reference(image_option, reference, sizeof reference);
    char bundle[PATH_LENGTH];
    if (import_image(reference, home, bundle, sizeof bundle) != 0) return -1;

    char image_root[PATH_LENGTH], root[PATH_LENGTH];
    snprintf(image_root, sizeof image_root, "%s/rootfs", bundle);
    int use_overlay = 1;
    if (name_option) {
        /* A named container keeps its files: a copy made on first use. */
        snprintf(root, sizeof root, "%s/.cache/berth-containers/named/%s", home, name_option);
        if (access(root, F_OK) != 0) {
            char named[PATH_LENGTH];
            snprintf(named, sizeof named, "%s/.cache/berth-containers/named", home);
            make_folders(named);
            char copy_command[PATH_LENGTH * 3];
            snprintf(copy_command, sizeof copy_command, "cp -a '%s' '%s.partial' && mv '%s.partial' '%s'", image_root,
                     root, root, root);
            char *copy[] = {"sh", "-c", copy_command, NULL};
            if (run(NULL, 0, copy) != 0) {
                complain("cannot create container %s", name_option);
                return -1;
            }
        }
        use_overlay = 0;
    } else {
        uint32_t job = 0, task = 0;
        spank_get_item(spank, S_JOB_ID, &job);
        spank_get_item(spank, S_TASK_GLOBAL_ID, &task);
        snprintf(root, sizeof root, "/tmp/berth-container-%u-%u-%u-%d", (unsigned)uid, job, task, getpid());
    }

    /* slurmstepd dropped root to become the user, which leaves the task
     * undumpable and its /proc files root's: the maps could not be written. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        complain("cannot enter user and mount namespaces: %s (the container needs seccomp=unconfined)",
                 strerror(errno));
        return -1;
    }
    char map[64];
    snprintf(map, sizeof map, "%u %u 1", remap_root ? 0 : (unsigned)uid, (unsigned)uid);
    write_file("/proc/self/setgroups", "deny");
    if (write_file("/proc/self/uid_map", map) != 0) {
        complain("cannot map the user: %s", strerror(errno));
        return -1;
    }
    snprintf(map, sizeof map, "%u %u 1", remap_root ? 0 : (unsigned)gid, (unsigned)gid);
    write_file("/proc/self/gid_map", map);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        complain("cannot make mounts private: %s", strerror(errno));
        return -1;
    }
    if (use_overlay) {
        char upper[PATH_LENGTH], work[PATH_LENGTH], options[PATH_LENGTH * 3];
        snprintf(upper, sizeof upper, "%s.upper", root);
        snprintf(work, sizeof work, "%s.work", root);
        make_folders(root);
        make_folders(upper);
        make_folders(work);
        snprintf(options, sizeof options, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", image_root, upper, work);
        if (mount("overlay", root, "overlay", 0, options) != 0) {
            /* No overlay in this kernel or namespace: run on the cached
             * files themselves. */
            snprintf(root, sizeof root, "%s", image_root);
        }
    }
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) != 0) {
        complain("cannot bind the root filesystem: %s", strerror(errno));
        return -1;
    }
    char inside[PATH_LENGTH];
    const char *system_folders[] = {"/proc", "/sys", "/dev"};
    for (int i = 0; i < 3; ++i) {
        snprintf(inside, sizeof inside, "%s%s", root, system_folders[i]);
        if (bind(system_folders[i], inside, 0) != 0) return -1;
    }
    snprintf(inside, sizeof inside, "%s/tmp", root);
    make_folders(inside);
    if (mount_home) {
        snprintf(inside, sizeof inside, "%s%s", root, home);
        if (bind(home, inside, 0) != 0) return -1;
    }
    if (mounts_option && apply_mounts(root, mounts_option) != 0) return -1;

    char workdir[PATH_LENGTH] = "/";
    if (workdir_option) {
        snprintf(workdir, sizeof workdir, "%s", workdir_option);
    } else {
        char cwd_file[PATH_LENGTH];
        snprintf(cwd_file, sizeof cwd_file, "%s/cwd", bundle);
        FILE *file = fopen(cwd_file, "r");
        if (file) {
            if (!fgets(workdir, sizeof workdir, file)) snprintf(workdir, sizeof workdir, "/");
            fclose(file);
        }
    }
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
