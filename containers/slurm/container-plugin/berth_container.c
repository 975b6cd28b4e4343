/*
 * berth_container: Pyxis's container options for srun, sbatch and salloc,
 * as a SPANK plugin of berth's own (Pyxis and enroot are not packaged for
 * Debian). In each task, as the job user:
 *   1. the image is pulled from the registry with skopeo and unpacked with
 *      umoci --rootless, once per digest (berth_container_image.c);
 *   2. the task enters new user and mount namespaces, gets an overlay (or,
 *      with --container-name, a kept copy) of the image's root filesystem,
 *      the requested mounts, the home folder, /proc, /sys and /dev, each
 *      resolved inside the root (berth_container_root.c);
 *   3. it pivots into the root, takes the image's environment over the
 *      job's, and runs the command as PID 1 of a PID namespace of its own.
 * The batch step of sbatch --container-image runs its script in the
 * container. Errors a user can act on go to the task's stderr, once per
 * step, and fail the step; options berth does not implement are refused.
 *
 * It runs with every job user's input, so it trusts none: no shell (programs
 * get argument vectors), container names are checked, every path that does
 * not fit is an error, no user path resolves outside the container's root,
 * and a task's scratch folders are private (mkdtemp) and removed at its end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "berth_container_internal.h"

SPANK_PLUGIN(berth_container, 1);

/* The options; -1 is "not given" (a PYXIS_CONTAINER_* variable may then
 * set it, and after that the default applies). */
static char* image_option;
static char* mounts_option; /* every --container-mounts, joined by ',' */
static char* workdir_option;
static char* name_option;
static char* env_option;
static char container_name[BERTH_NAME_LENGTH + 1];
static enum berth_name_flag name_flag;
static int remap_root = -1;
static int mount_home = -1;
static int writable = -1;
static int unshare_flags = -1;
static char default_registry[256] = "registry:5000";

char berth_report_marker[PATH_LENGTH];

/* One option each; the value is its index in this table. */
enum option_index {
    IMAGE,
    MOUNTS,
    WORKDIR,
    NAME,
    SAVE,
    MOUNT_HOME,
    NO_MOUNT_HOME,
    REMAP_ROOT,
    NO_REMAP_ROOT,
    ENTRYPOINT,
    NO_ENTRYPOINT,
    ENTRYPOINT_LOG,
    WRITABLE,
    READONLY,
    ENV,
    UNSHARE,
};

static int take_option(int value, const char* argument, int remote);

static struct spank_option options[] = {
    {"container-image", "[docker://][REGISTRY#]IMAGE[:TAG]",
     "[berth] the image to run the tasks in, from a registry (default registry:5000)", 1, IMAGE,
     take_option},
    {"container-mounts", "SRC[:DST[:FLAGS]][,...]",
     "[berth] mounts inside the container: SRC a path, tmpfs or umount; FLAGS joined with '+', "
     "e.g. ro+rprivate",
     1, MOUNTS, take_option},
    {"container-workdir", "PATH", "[berth] working directory inside the container", 1, WORKDIR,
     take_option},
    {"container-name", "NAME[:create|exec|no_exec]",
     "[berth] keep the container under this name; a later step or job with the name reuses it", 1,
     NAME, take_option},
    {"container-save", "PATH", "[berth] not supported: berth has no squashfs", 1, SAVE,
     take_option},
    {"container-mount-home", NULL, "[berth] bind the home folder (default)", 0, MOUNT_HOME,
     take_option},
    {"no-container-mount-home", NULL, "[berth] do not bind the home folder", 0, NO_MOUNT_HOME,
     take_option},
    {"container-remap-root", NULL,
     "[berth] be root inside the container (no more rights than your own)", 0, REMAP_ROOT,
     take_option},
    {"no-container-remap-root", NULL, "[berth] keep your own uid inside the container (default)", 0,
     NO_REMAP_ROOT, take_option},
    {"container-entrypoint", NULL, "[berth] not supported: berth never runs the image's entrypoint",
     0, ENTRYPOINT, take_option},
    {"no-container-entrypoint", NULL,
     "[berth] do not run the image's entrypoint (the only way berth runs)", 0, NO_ENTRYPOINT,
     take_option},
    {"container-entrypoint-log", NULL,
     "[berth] not supported: berth never runs the image's entrypoint", 0, ENTRYPOINT_LOG,
     take_option},
    {"container-writable", NULL, "[berth] make the container's filesystem writable (default)", 0,
     WRITABLE, take_option},
    {"container-readonly", NULL, "[berth] make the container's filesystem read-only", 0, READONLY,
     take_option},
    {"container-env", "NAME[,NAME...]", "[berth] job variables whose value wins over the image's",
     1, ENV, take_option},
    {"container-unshare", "NS[,NS...]", "[berth] new namespaces for the container: net, ipc, uts",
     1, UNSHARE, take_option},
};

/* Errors of option values are printed where the user typed them (srun,
 * sbatch, salloc); in slurmstepd the same values were checked already. */
static void option_error(const char* format, ...) __attribute__((format(printf, 1, 2)));
static void option_error(const char* format, ...) {
    char text[BERTH_ERROR_LENGTH];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    slurm_error("berth-container: %s", text);
}

static int set_text(char** slot, const char* value, const char* option) {
    if (!value || !*value) {
        option_error("--%s: argument required", option);
        return -1;
    }
    if (*slot && strcmp(*slot, value) != 0) {
        option_error("--%s specified multiple times", option);
        return -1;
    }
    free(*slot);
    *slot = strdup(value);
    return *slot ? 0 : -1;
}

static int set_switch(int* slot, int value, const char* name) {
    if (*slot != -1 && *slot != value) {
        option_error("both --%s and --no-%s were specified", name, name);
        return -1;
    }
    *slot = value;
    return 0;
}

/* Whether the comma-separated list already holds every item of items. */
static int has_item(const char* list, const char* items) {
    char* copy = strdup(items);
    if (!copy)
        return 0;
    int all = 1;
    char* state = NULL;
    for (char* item = strtok_r(copy, ",", &state); item && all; item = strtok_r(NULL, ",", &state))
        all = berth_names_variable(list, item);
    free(copy);
    return all;
}

/* Each --container-mounts item is checked now, so srun refuses a bad one. */
static int add_mounts(const char* list) {
    if (!list || !*list) {
        option_error("--container-mounts: argument required");
        return -1;
    }
    char* copy = strdup(list);
    if (!copy)
        return -1;
    int result = 0;
    char* state = NULL;
    for (char* item = strtok_r(copy, ",", &state); item && result == 0;
         item = strtok_r(NULL, ",", &state)) {
        static struct berth_mount parsed;
        char error[BERTH_ERROR_LENGTH];
        if (berth_parse_mount(item, &parsed, error, sizeof error) != 0) {
            option_error("%s", error);
            result = -1;
        }
    }
    free(copy);
    if (result != 0)
        return -1;
    /* slurmstepd may hand the same option in twice (from srun and from the
     * job's environment); Pyxis keeps one of equal mounts, and so does berth. */
    if (mounts_option && has_item(mounts_option, list))
        return 0;
    size_t length = (mounts_option ? strlen(mounts_option) + 1 : 0) + strlen(list) + 1;
    char* joined = malloc(length);
    if (!joined)
        return -1;
    snprintf(joined, length, "%s%s%s", mounts_option ? mounts_option : "", mounts_option ? "," : "",
             list);
    free(mounts_option);
    mounts_option = joined;
    return 0;
}

static int take_name(const char* argument) {
    char error[BERTH_ERROR_LENGTH];
    if (berth_parse_container_name(argument, container_name, sizeof container_name, &name_flag,
                                   error, sizeof error) != 0) {
        option_error("%s", error);
        return -1;
    }
    return set_text(&name_option, argument, "container-name");
}

static int refuse(const char* option, const char* reason) {
    option_error("--%s is not supported: %s", option, reason);
    return -1;
}

static int take_option(int value, const char* argument, int remote) {
    (void)remote;
    char error[BERTH_ERROR_LENGTH];
    int flags = 0;
    switch ((enum option_index)value) {
        case IMAGE:
            return set_text(&image_option, argument, "container-image");
        case MOUNTS:
            return add_mounts(argument);
        case WORKDIR:
            return set_text(&workdir_option, argument, "container-workdir");
        case NAME:
            return take_name(argument);
        case SAVE:
            return refuse("container-save", "berth has no enroot and no squashfs files");
        case MOUNT_HOME:
            return set_switch(&mount_home, 1, "container-mount-home");
        case NO_MOUNT_HOME:
            return set_switch(&mount_home, 0, "container-mount-home");
        case REMAP_ROOT:
            return set_switch(&remap_root, 1, "container-remap-root");
        case NO_REMAP_ROOT:
            return set_switch(&remap_root, 0, "container-remap-root");
        case ENTRYPOINT:
            return refuse("container-entrypoint",
                          "berth runs the command without the image's entrypoint");
        case NO_ENTRYPOINT:
            return 0; /* what berth always does */
        case ENTRYPOINT_LOG:
            return refuse("container-entrypoint-log", "berth never runs the image's entrypoint");
        case WRITABLE:
        case READONLY:
            if (writable != -1 && writable != (value == WRITABLE)) {
                option_error("both --container-writable and --container-readonly were specified");
                return -1;
            }
            writable = value == WRITABLE;
            return 0;
        case ENV:
            if (!argument || !*argument) {
                option_error("--container-env: argument required");
                return -1;
            }
            if (!berth_valid_env_list(argument)) {
                option_error("--container-env: invalid format: %s", argument ? argument : "");
                return -1;
            }
            return set_text(&env_option, argument, "container-env");
        case UNSHARE:
            if (berth_parse_unshare(argument, &flags, error, sizeof error) != 0) {
                option_error("%s", error);
                return -1;
            }
            unshare_flags = (unshare_flags < 0 ? 0 : unshare_flags) | flags;
            return 0;
    }
    return -1;
}

/* PYXIS_CONTAINER_* variables stand in for options not given, as in Pyxis:
 * from the caller's environment in srun/sbatch/salloc, from the job's in
 * slurmstepd. */
static const char* variable(spank_t spank, const char* name, char* buffer, int capacity) {
    if (spank_context() == S_CTX_REMOTE)
        return spank_getenv(spank, name, buffer, capacity) == ESPANK_SUCCESS ? buffer : NULL;
    return getenv(name);
}

static int take_variables(spank_t spank) {
    static const struct {
        const char* name;
        enum option_index option;
        int is_switch; /* a boolean: option when true, its negation when false */
        enum option_index negation;
    } table[] = {
        {"PYXIS_CONTAINER_IMAGE", IMAGE, 0, IMAGE},
        {"PYXIS_CONTAINER_MOUNTS", MOUNTS, 0, MOUNTS},
        {"PYXIS_CONTAINER_WORKDIR", WORKDIR, 0, WORKDIR},
        {"PYXIS_CONTAINER_NAME", NAME, 0, NAME},
        {"PYXIS_CONTAINER_SAVE", SAVE, 0, SAVE},
        {"PYXIS_CONTAINER_MOUNT_HOME", MOUNT_HOME, 1, NO_MOUNT_HOME},
        {"PYXIS_CONTAINER_REMAP_ROOT", REMAP_ROOT, 1, NO_REMAP_ROOT},
        {"PYXIS_CONTAINER_ENTRYPOINT", ENTRYPOINT, 1, NO_ENTRYPOINT},
        {"PYXIS_CONTAINER_ENTRYPOINT_LOG", ENTRYPOINT_LOG, 1, NO_ENTRYPOINT},
        {"PYXIS_CONTAINER_WRITABLE", WRITABLE, 1, READONLY},
        {"PYXIS_CONTAINER_READONLY", READONLY, 1, WRITABLE},
        {"PYXIS_CONTAINER_ENV", ENV, 0, ENV},
        {"PYXIS_CONTAINER_UNSHARE", UNSHARE, 0, UNSHARE},
    };
    const int given[] = {
        [IMAGE] = image_option != NULL,
        [MOUNTS] = mounts_option != NULL,
        [WORKDIR] = workdir_option != NULL,
        [NAME] = name_option != NULL,
        [SAVE] = 0,
        [MOUNT_HOME] = mount_home != -1,
        [REMAP_ROOT] = remap_root != -1,
        [ENTRYPOINT] = 0,
        [ENTRYPOINT_LOG] = 0,
        [WRITABLE] = writable != -1,
        [READONLY] = writable != -1,
        [ENV] = env_option != NULL,
        [UNSHARE] = unshare_flags != -1,
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
        char buffer[PATH_LENGTH];
        const char* value = variable(spank, table[i].name, buffer, sizeof buffer);
        if (!value || given[table[i].option])
            continue;
        if (!table[i].is_switch) {
            if (take_option(table[i].option, value, 0) != 0)
                return -1;
            continue;
        }
        int truth = berth_parse_bool(value);
        if (truth < 0) {
            option_error("%s=%s: expected 1 or 0 (true/false, yes/no)", table[i].name, value);
            return -1;
        }
        if (take_option(truth ? table[i].option : table[i].negation, NULL, 0) != 0)
            return -1;
    }
    return 0;
}

int slurm_spank_init(spank_t spank, int argc, char** argv) {
    if (berth_registry_argument(argc, argv, default_registry, sizeof default_registry) != 0) {
        slurm_error("berth-container: default_registry= in plugstack.conf is too long");
        return -1;
    }
    spank_context_t context = spank_context();
    if (context != S_CTX_LOCAL && context != S_CTX_REMOTE && context != S_CTX_ALLOCATOR)
        return 0;
    /* Registered here rather than in a spank_options table: sbatch and
     * salloc only offer options registered this way. */
    for (size_t i = 0; i < sizeof options / sizeof options[0]; ++i) {
        spank_err_t result = spank_option_register(spank, &options[i]);
        if (result != ESPANK_SUCCESS) {
            slurm_error("berth-container: cannot register --%s: %s", options[i].name,
                        spank_strerror(result));
            return -1;
        }
    }
    return 0;
}

/* Options that mean nothing without a container are refused (Pyxis ignores
 * them with a message; berth never ignores an option). */
static int check_needs_container(void) {
    if (image_option || name_option)
        return 0;
    const struct {
        int given;
        const char* option;
    } needing[] = {
        {mounts_option != NULL, "--container-mounts"},
        {workdir_option != NULL, "--container-workdir"},
        {mount_home != -1, "--[no-]container-mount-home"},
        {remap_root != -1, "--[no-]container-remap-root"},
        {writable != -1, "--container-writable/--container-readonly"},
        {env_option != NULL, "--container-env"},
        {unshare_flags != -1, "--container-unshare"},
    };
    for (size_t i = 0; i < sizeof needing / sizeof needing[0]; ++i) {
        if (needing[i].given) {
            option_error("%s needs --container-image or --container-name", needing[i].option);
            return -1;
        }
    }
    return 0;
}

int slurm_spank_init_post_opt(spank_t spank, int argc, char** argv) {
    (void)argc;
    (void)argv;
    spank_context_t context = spank_context();
    if (context != S_CTX_LOCAL && context != S_CTX_ALLOCATOR)
        return 0;
    if (take_variables(spank) != 0)
        return -1;
    if (check_needs_container() != 0)
        return -1;
    if (image_option) {
        char reference[PATH_LENGTH], error[BERTH_ERROR_LENGTH];
        if (berth_image_reference(image_option, default_registry, reference, sizeof reference,
                                  error, sizeof error) != 0) {
            option_error("%s", error);
            return -1;
        }
    }
    return 0;
}

/* The first task of a step that fails claims the step's report by making
 * the marker file; the others stay silent. */
static int claim_report(void) {
    if (!berth_report_marker[0])
        return 1;
    int marker =
        open(berth_report_marker, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (marker < 0)
        return errno != EEXIST;
    close(marker);
    return 1;
}

void complain(const char* format, ...) {
    static int claimed = -1;
    if (claimed < 0)
        claimed = claim_report();
    if (!claimed)
        return;
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "berth-container: ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    fflush(stderr);
}

/* What one task works with. */
struct task {
    spank_t spank;
    uid_t uid;
    gid_t gid;
    uint32_t job, step;
    char home[PATH_LENGTH];
    char tmp[PATH_LENGTH];
    char meta[PATH_LENGTH]; /* holds env and cwd: the image's bundle or the named container's folder
                             */
    char root[PATH_LENGTH]; /* the root filesystem, seen from the node */
    char workdir[PATH_LENGTH]; /* the image's working directory */
    char environment[65536];   /* the image's variables, NUL-separated */
    size_t environment_length;
    pid_t running; /* a task running in the named container, or 0 */
    int reuse;     /* the named container exists: no import */
};

/* A live task in the named container: its pid file under pids/ and its
 * mount namespace other than this one. */
static pid_t running_task(const char* folder) {
    char pids[PATH_LENGTH];
    if (berth_format(pids, sizeof pids, "%s/pids", folder) != 0)
        return 0;
    DIR* listing = opendir(pids);
    if (!listing)
        return 0;
    pid_t found = 0;
    struct stat mine, theirs;
    for (struct dirent* entry; !found && (entry = readdir(listing)) != NULL;) {
        pid_t pid = (pid_t)atoi(entry->d_name);
        char ns[64];
        if (pid <= 1 || berth_format(ns, sizeof ns, "/proc/%d/ns/mnt", (int)pid) != 0)
            continue;
        if (kill(pid, 0) == 0 && stat(ns, &theirs) == 0 && stat("/proc/self/ns/mnt", &mine) == 0 &&
            theirs.st_ino != mine.st_ino)
            found = pid;
    }
    closedir(listing);
    return found;
}

/* Options that shape a new container cannot change a running one: refused
 * (Pyxis ignores some with a message). A namespace asked for with
 * --container-unshare must be one the running container has of its own, as
 * Pyxis checks. */
static int check_attachable(pid_t pid) {
    const struct {
        int given;
        const char* option;
    } shaping[] = {{mounts_option != NULL, "--container-mounts"},
                   {remap_root != -1, "--[no-]container-remap-root"},
                   {mount_home != -1, "--[no-]container-mount-home"},
                   {writable != -1, "--container-writable/--container-readonly"}};
    for (size_t i = 0; i < sizeof shaping / sizeof shaping[0]; ++i) {
        if (!shaping[i].given)
            continue;
        complain(
            "%s cannot be applied when attaching to the running container \"%s\"; leave it out, or "
            "use "
            "--container-name=%s:no_exec for a new task on the same files",
            shaping[i].option, container_name, container_name);
        return -1;
    }
    static const struct {
        int flag;
        const char *name, *description;
    } namespaces[] = {{CLONE_NEWNET, "net", "network"},
                      {CLONE_NEWIPC, "ipc", "IPC"},
                      {CLONE_NEWUTS, "uts", "UTS"}};
    for (size_t i = 0; unshare_flags > 0 && i < 3; ++i) {
        char theirs[64], mine[64];
        struct stat their_info, my_info;
        snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, namespaces[i].name);
        snprintf(mine, sizeof mine, "/proc/self/ns/%s", namespaces[i].name);
        int separate = stat(theirs, &their_info) == 0 && stat(mine, &my_info) == 0 &&
                       their_info.st_ino != my_info.st_ino;
        if ((unshare_flags & namespaces[i].flag) && !separate) {
            complain(
                "error: --container-unshare=%s requested but the container is not in a separate %s "
                "namespace",
                namespaces[i].name, namespaces[i].description);
            return -1;
        }
    }
    return 0;
}

/* Pyxis's rules for --container-name and its flag. */
static int find_named(struct task* task) {
    char folder[PATH_LENGTH], env[PATH_LENGTH];
    PATH_OR_FAIL(folder, "%s/.cache/berth-containers/named/%s", task->home, container_name);
    PATH_OR_FAIL(env, "%s/env", folder);
    int exists = access(env, F_OK) == 0;
    task->running = exists && name_flag != BERTH_NAME_NO_EXEC ? running_task(folder) : 0;
    if (name_flag == BERTH_NAME_CREATE && exists) {
        complain(
            "error: \"create\" flag was passed to --container-name but the container already "
            "exists");
        return -1;
    }
    if (name_flag == BERTH_NAME_EXEC && !task->running) {
        complain(
            "error: \"exec\" flag was passed to --container-name but the container is not running");
        return -1;
    }
    if (!exists && !image_option) {
        complain(
            "error: a container with name \"%s\" does not exist, and --container-image is not set",
            container_name);
        return -1;
    }
    if (task->running && check_attachable(task->running) != 0)
        return -1;
    task->reuse = exists;
    PATH_OR_FAIL(task->meta, "%s", folder);
    PATH_OR_FAIL(task->root, "%s/rootfs", folder);
    return 0;
}

/* A named container's files, made from the image on first use: a copy of
 * the image's root filesystem, and its env and cwd. */
static int create_named(struct task* task, const char* bundle) {
    char partial[PATH_LENGTH], image_root[PATH_LENGTH], from[PATH_LENGTH], to[PATH_LENGTH],
        errors[4096];
    PATH_OR_FAIL(partial, "%s.partial", task->meta);
    PATH_OR_FAIL(image_root, "%s/rootfs", bundle);
    berth_remove_tree(partial);
    if (berth_make_folders(partial) != 0) {
        complain("cannot create container %s: %s", container_name, strerror(errno));
        return -1;
    }
    PATH_OR_FAIL(to, "%s/rootfs", partial);
    char* copy[] = {"cp", "-a", "--", image_root, to, NULL};
    int failed = berth_run(NULL, 0, errors, sizeof errors, copy) != 0;
    for (int i = 0; !failed && i < 2; ++i) {
        const char* file = i == 0 ? "cwd" : "env";
        failed = berth_format(from, sizeof from, "%s/%s", bundle, file) != 0 ||
                 berth_format(to, sizeof to, "%s/%s", partial, file) != 0 ||
                 berth_copy_file(from, to) != 0;
    }
    if (failed || rename(partial, task->meta) != 0) {
        complain("cannot create container %s: %s", container_name,
                 errors[0] ? errors : strerror(errno));
        berth_remove_tree(partial);
        return -1;
    }
    return 0;
}

/* A private scratch folder (mkdtemp: 0700) with the overlay's root, upper
 * and work folders, in the job's TMPDIR or /tmp; task_exit removes it. */
static int scratch_root(struct task* task, char* upper, char* work) {
    char scratch[PATH_LENGTH];
    PATH_OR_FAIL(scratch, "%s/berth-container-%u.%u-XXXXXX", task->tmp, task->job, task->step);
    if (!mkdtemp(scratch)) {
        complain("cannot make a scratch folder in %s: %s", task->tmp, strerror(errno));
        return -1;
    }
    if (berth_format(task->root, sizeof task->root, "%s/root", scratch) != 0 ||
        berth_format(upper, PATH_LENGTH, "%s/upper", scratch) != 0 ||
        berth_format(work, PATH_LENGTH, "%s/work", scratch) != 0) {
        complain("a path is too long: %.80s...", scratch);
        return -1;
    }
    if (mkdir(task->root, 0700) != 0 || mkdir(upper, 0700) != 0 || mkdir(work, 0700) != 0) {
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
        complain(
            "cannot enter user and mount namespaces: %s (the container needs seccomp=unconfined)",
            strerror(errno));
        return -1;
    }
    char map[64];
    if (berth_format(map, sizeof map, "%u %u 1", remap_root == 1 ? 0 : (unsigned)uid,
                     (unsigned)uid) != 0)
        return -1;
    /* Without "deny" in setgroups an unprivileged gid_map is refused. */
    if (berth_write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
        complain("cannot deny setgroups: %s", strerror(errno));
        return -1;
    }
    if (berth_write_file("/proc/self/uid_map", map) != 0) {
        complain("cannot map the user: %s", strerror(errno));
        return -1;
    }
    if (berth_format(map, sizeof map, "%u %u 1", remap_root == 1 ? 0 : (unsigned)gid,
                     (unsigned)gid) != 0)
        return -1;
    if (berth_write_file("/proc/self/gid_map", map) != 0) {
        complain("cannot map the group: %s", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        complain("cannot make mounts private: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* --container-unshare: new network (with loopback up, as enroot has it),
 * IPC and UTS namespaces, owned by the container's user namespace. */
static int unshare_requested(void) {
    if (unshare_flags <= 0)
        return 0;
    if (unshare(unshare_flags) != 0) {
        complain("--container-unshare: cannot make the namespaces: %s", strerror(errno));
        return -1;
    }
    if (!(unshare_flags & CLONE_NEWNET))
        return 0;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq request = {0};
    snprintf(request.ifr_name, sizeof request.ifr_name, "lo");
    int failed = sock < 0 || ioctl(sock, SIOCGIFFLAGS, &request) != 0;
    request.ifr_flags |= IFF_UP;
    failed = failed || ioctl(sock, SIOCSIFFLAGS, &request) != 0;
    if (sock >= 0)
        close(sock);
    if (failed)
        complain("--container-unshare=net: cannot bring loopback up: %s", strerror(errno));
    return failed ? -1 : 0;
}

/* Flags the kernel locked on a mount (a remount must keep them). */
static unsigned long locked_flags(const char* target) {
    struct statvfs flags;
    if (statvfs(target, &flags) != 0)
        return 0;
    return flags.f_flag &
           (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
}

/* One mount into the root: the target is resolved (and made) inside the
 * root and the mount goes onto its descriptor. */
static int mount_one(int root_fd, const struct berth_mount* item, const char* shown) {
    struct stat source;
    int directory = 1;
    if (item->kind == BERTH_MOUNT_BIND) {
        if (stat(item->source, &source) != 0) {
            complain("--container-mounts: source path does not exist: %s", item->source);
            return -1;
        }
        directory = S_ISDIR(source.st_mode);
    }
    int create = item->kind != BERTH_MOUNT_UMOUNT;
    int target_fd = berth_open_in_root(root_fd, item->target, create, directory);
    if (target_fd < 0) {
        complain("mount target %s: %s", shown, strerror(errno));
        return -1;
    }
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", target_fd);
    int result = 0;
    if (item->kind == BERTH_MOUNT_UMOUNT) {
        /* umount2 takes no descriptor: the path the descriptor resolved to
         * (inside the root by construction), without following links. */
        char resolved[PATH_LENGTH];
        ssize_t length = readlink(target, resolved, sizeof resolved - 1);
        if (length > 0)
            resolved[length] = '\0';
        result = length > 0 && (size_t)length < sizeof resolved - 1
                     ? umount2(resolved, MNT_DETACH | UMOUNT_NOFOLLOW)
                     : -1;
        /* A system folder left unbound (see mount_into) is already empty. */
        if (result != 0 && errno == EINVAL) {
            int system_folder = strcmp(item->target, "/proc") == 0 ||
                                strcmp(item->target, "/sys") == 0 ||
                                strcmp(item->target, "/dev") == 0;
            result = system_folder ? 0 : -1;
        }
    } else if (item->kind == BERTH_MOUNT_TMPFS) {
        result = mount("tmpfs", target, "tmpfs", item->flags | (item->read_only ? MS_RDONLY : 0),
                       "mode=1777");
    } else {
        result = mount(item->source, target, NULL, MS_BIND | (item->recursive ? MS_REC : 0), NULL);
    }
    int adjust =
        item->kind != BERTH_MOUNT_UMOUNT && (item->propagation || item->kind == BERTH_MOUNT_BIND);
    if (result == 0 && adjust) {
        /* The descriptor names the folder under the new mount: open the
         * mount itself to change its flags and propagation. */
        close(target_fd);
        target_fd = berth_open_in_root(root_fd, item->target, 0, directory);
        snprintf(target, sizeof target, "/proc/self/fd/%d", target_fd);
        if (target_fd < 0)
            result = -1;
    }
    if (result == 0 && item->kind == BERTH_MOUNT_BIND && (item->read_only || item->flags))
        result = mount(NULL, target, NULL,
                       MS_REMOUNT | MS_BIND | item->flags | locked_flags(target) |
                           (item->read_only ? MS_RDONLY : 0),
                       NULL);
    if (result == 0 && item->propagation) {
        /* mount(2) changes the propagation of the mount at this path: the
         * path the descriptor resolved to (inside the root by construction). */
        char resolved[PATH_LENGTH];
        ssize_t length = readlink(target, resolved, sizeof resolved - 1);
        if (length > 0)
            resolved[length] = '\0';
        result = length > 0 && (size_t)length < sizeof resolved - 1
                     ? mount(NULL, resolved, NULL, item->propagation, NULL)
                     : -1;
    }
    if (result != 0)
        complain("cannot mount %s: %s", shown, strerror(errno));
    if (target_fd >= 0)
        close(target_fd);
    return result;
}

static int bind_into(int root_fd, const char* source, const char* target, int read_only) {
    struct berth_mount item = {.kind = BERTH_MOUNT_BIND, .read_only = read_only, .recursive = 1};
    if (berth_format(item.source, sizeof item.source, "%s", source) != 0 ||
        berth_format(item.target, sizeof item.target, "%s", target) != 0) {
        complain("a path is too long: %.80s...", source);
        return -1;
    }
    return mount_one(root_fd, &item, target);
}

static int apply_user_mounts(int root_fd) {
    char* copy = strdup(mounts_option);
    if (!copy)
        return -1;
    int result = 0;
    char* state = NULL;
    for (char* item = strtok_r(copy, ",", &state); item && result == 0;
         item = strtok_r(NULL, ",", &state)) {
        static struct berth_mount parsed; /* 8 KiB: not on the task's stack */
        char error[BERTH_ERROR_LENGTH];
        if (berth_parse_mount(item, &parsed, error, sizeof error) != 0) {
            complain("%s", error);
            result = -1;
        } else {
            result = mount_one(root_fd, &parsed, item);
        }
    }
    free(copy);
    return result;
}

/* /proc, /sys, /dev, /tmp, the home folder (at /root for remapped root, as
 * enroot has it), the batch script and --container-mounts, in that order. */
/* Whether --container-mounts has "umount:PATH" for this exact path. */
static int umount_requested(const char* path) {
    size_t length = strlen(path);
    for (const char* at = mounts_option; at && (at = strstr(at, "umount:")) != NULL; at += 7) {
        int starts_item = at == mounts_option || at[-1] == ',';
        const char* end = at + 7 + length;
        if (starts_item && strncmp(at + 7, path, length) == 0 &&
            (*end == '\0' || *end == ',' || *end == ':'))
            return 1;
    }
    return 0;
}

static int mount_into(struct task* task, int root_fd) {
    const char* system_folders[] = {"/proc", "/sys", "/dev"};
    for (int i = 0; i < 3; ++i) {
        /* umount:/sys and the like: not bound at all, since the kernel
         * refuses to detach a tree with locked mounts in a user namespace. */
        if (umount_requested(system_folders[i]))
            continue;
        if (bind_into(root_fd, system_folders[i], system_folders[i], 0) != 0)
            return -1;
    }
    int tmp = berth_open_in_root(root_fd, "/tmp", 1, 1);
    if (tmp >= 0)
        close(tmp);
    if (mount_home != 0 &&
        bind_into(root_fd, task->home, remap_root == 1 ? "/root" : task->home, 0) != 0)
        return -1;
    if (task->step == SLURM_BATCH_SCRIPT) {
        int argc = 0;
        char** argv = NULL;
        if (spank_get_item(task->spank, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS || argc < 1) {
            complain("cannot find the batch script");
            return -1;
        }
        if (bind_into(root_fd, argv[0], argv[0], 1) != 0)
            return -1;
    }
    if (mounts_option && apply_user_mounts(root_fd) != 0)
        return -1;
    return 0;
}

/* Into the root for good: pivot_root rather than chroot, so that nothing
 * outside the root stays reachable (the old root is detached). */
static int enter_root(const char* root) {
    if (chdir(root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
        umount2(".", MNT_DETACH) != 0 || chdir("/") != 0) {
        complain("cannot change root to %s: %s", root, strerror(errno));
        return -1;
    }
    return 0;
}

/* --container-workdir, else the image's, else "/"; resolved in the root
 * (after the pivot "/.." is "/"). */
static int enter_workdir(const struct task* task) {
    const char* workdir = workdir_option ? workdir_option : task->workdir;
    if (chdir(workdir) != 0) {
        complain("--container-workdir: %s: %s", workdir, strerror(errno));
        return -1;
    }
    char resolved[PATH_LENGTH];
    if (getcwd(resolved, sizeof resolved))
        spank_setenv(task->spank, "PWD", resolved, 1);
    return 0;
}

/* The image's working directory and environment (the bundle's cwd and env
 * files), read before the pivot: the cache is outside the root. */
static void load_image_description(struct task* task) {
    char path[PATH_LENGTH];
    berth_format(task->workdir, sizeof task->workdir, "/");
    task->environment_length = 0;
    task->environment[0] = '\0';
    for (int i = 0; i < 2; ++i) {
        if (berth_format(path, sizeof path, "%s/%s", task->meta, i == 0 ? "cwd" : "env") != 0)
            continue;
        FILE* file = fopen(path, "re");
        if (!file)
            continue;
        if (i == 0 && !fgets(task->workdir, sizeof task->workdir, file))
            berth_format(task->workdir, sizeof task->workdir, "/");
        if (i == 1) {
            task->environment_length =
                fread(task->environment, 1, sizeof task->environment - 1, file);
            task->environment[task->environment_length] = '\0';
        }
        fclose(file);
    }
}

/* As remapped root, apt's sandbox (it drops to the _apt user and checks
 * that it did) cannot work with one mapped id: enroot's way, apt is told not
 * to verify the switch, which the seccomp filter fakes. Written into the
 * container's /etc/apt/apt.conf.d when the image has apt and the root is
 * writable. */
static void let_apt_run_as_remapped_root(void) {
    struct stat info;
    if (remap_root != 1 || writable == 0 || stat("/etc/apt/apt.conf.d", &info) != 0 ||
        !S_ISDIR(info.st_mode))
        return;
    FILE* file = fopen("/etc/apt/apt.conf.d/99-berth-remap-root", "we");
    if (!file)
        return;
    fputs(
        "// berth-container --container-remap-root: one id is mapped, so apt's switch to _apt is "
        "faked\n"
        "APT::Sandbox::Verify::IDs \"false\";\n",
        file);
    fclose(file);
}

static void set_job_variable(const char* name, const char* value, int image_wins, void* context) {
    spank_setenv((spank_t)context, name, value, image_wins);
}

/* The image's environment over the job's, as Pyxis has it, and no locale
 * from the job (the image's own locale applies) unless --container-env
 * names it. */
static void merge_environment(struct task* task) {
    char** job_environment = NULL;
    if (spank_get_item(task->spank, S_JOB_ENV, &job_environment) == ESPANK_SUCCESS &&
        job_environment) {
        char names[64][64];
        int count = 0;
        for (char** entry = job_environment; *entry && count < 64; ++entry) {
            size_t length = strcspn(*entry, "=");
            if (length >= sizeof names[0])
                continue;
            memcpy(names[count], *entry, length);
            names[count][length] = '\0';
            if (berth_is_locale_variable(names[count]) &&
                !berth_names_variable(env_option, names[count]))
                ++count;
        }
        for (int i = 0; i < count; ++i)
            spank_unsetenv(task->spank, names[i]);
    }
    berth_merge_environment(task->environment, task->environment_length, env_option,
                            set_job_variable, task->spank);
    if (remap_root == 1)
        spank_setenv(task->spank, "HOME", "/root", 1);
}

static pid_t namespace_child = -1;

static void forward_signal(int signal_number) {
    if (namespace_child > 0)
        kill(namespace_child, signal_number);
}

/* The task's command becomes PID 1 of a PID namespace of its own: this
 * process forks, the child returns to slurmstepd and execs the command, and
 * the parent stays as the task Slurm knows, forwarding signals and ending
 * the way the command ends. The child dies with its parent (PDEATHSIG). */
static int enter_pid_namespace(void) {
    if (unshare(CLONE_NEWPID) != 0) {
        complain("cannot enter a PID namespace: %s", strerror(errno));
        return -1;
    }
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
        if (poll(&parent, 1, 0) != 0)
            _exit(1); /* the parent is already gone */
        close(alive[0]);
        /* A /proc of the new namespace where the engine allows it (Docker
         * and Podman mask parts of /proc; the kernel then refuses). */
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        return 0;
    }
    close(alive[0]);
    const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGALRM};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; ++i)
        signal(forwarded[i], forward_signal);
    int status = 0;
    while (waitpid(namespace_child, &status, 0) < 0) {
        if (errno != EINTR)
            _exit(1);
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        kill(getpid(), WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(WEXITSTATUS(status));
}

/* Joins the namespaces of a task running in the named container (Pyxis's
 * attach): its user, mount, and any network, IPC or UTS namespace it made. */
static int attach(pid_t pid) {
    static const struct {
        const char* name;
        int flag;
    } kinds[] = {{"user", CLONE_NEWUSER},
                 {"net", CLONE_NEWNET},
                 {"ipc", CLONE_NEWIPC},
                 {"uts", CLONE_NEWUTS},
                 {"mnt", CLONE_NEWNS}};
    int fds[5];
    for (int i = 0; i < 5; ++i) {
        char theirs[64], mine[64];
        struct stat their_info, my_info;
        snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, kinds[i].name);
        snprintf(mine, sizeof mine, "/proc/self/ns/%s", kinds[i].name);
        fds[i] = -1;
        if (stat(theirs, &their_info) == 0 && stat(mine, &my_info) == 0 &&
            their_info.st_ino != my_info.st_ino)
            fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
    }
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    for (int i = 0; i < 5; ++i) {
        if (fds[i] < 0)
            continue;
        if (setns(fds[i], kinds[i].flag) != 0) {
            complain("cannot attach to the running container \"%s\" (%s namespace): %s",
                     container_name, kinds[i].name, strerror(errno));
            for (int j = i; j < 5; ++j)
                if (fds[j] >= 0)
                    close(fds[j]);
            return -1;
        }
        close(fds[i]);
    }
    return 0;
}

/* Records this task as running in the named container (task_exit removes
 * the record), so that a later step can attach. */
static void register_running(const struct task* task) {
    char pids[PATH_LENGTH], record[PATH_LENGTH];
    if (berth_format(pids, sizeof pids, "%s/pids", task->meta) != 0 ||
        berth_format(record, sizeof record, "%s/%d", pids, (int)getpid()) != 0)
        return;
    berth_make_folders(pids);
    int fd = open(record, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd >= 0)
        close(fd);
}

/* The root filesystem: the image's files under an overlay (or, without an
 * overlay in this kernel, the cached files themselves), or the named
 * container's; then the mounts, read-only when asked, and the pivot. */
static int build_root(struct task* task, const char* bundle) {
    char upper[PATH_LENGTH], work[PATH_LENGTH], image_root[PATH_LENGTH];
    if (!name_option && scratch_root(task, upper, work) != 0)
        return -1;
    if (enter_user_namespace(task->uid, task->gid) != 0 || unshare_requested() != 0)
        return -1;
    if (!name_option) {
        char overlay[PATH_LENGTH * 3];
        PATH_OR_FAIL(image_root, "%s/rootfs", bundle);
        PATH_OR_FAIL(overlay, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", image_root, upper,
                     work);
        if (mount("overlay", task->root, "overlay", 0, overlay) != 0)
            PATH_OR_FAIL(task->root, "%s", image_root);
    }
    if (mount(task->root, task->root, NULL, MS_BIND | MS_REC, NULL) != 0) {
        complain("cannot bind the root filesystem: %s", strerror(errno));
        return -1;
    }
    int root_fd = open(task->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) {
        complain("cannot open the root filesystem %s: %s", task->root, strerror(errno));
        return -1;
    }
    int result = mount_into(task, root_fd);
    close(root_fd);
    if (result == 0 && writable == 0 &&
        mount(NULL, task->root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(task->root),
              NULL) != 0) {
        complain("--container-readonly: %s", strerror(errno));
        result = -1;
    }
    return result == 0 ? enter_root(task->root) : -1;
}

static int start_task(struct task* task) {
    task->uid = getuid();
    task->gid = getgid();
    spank_get_item(task->spank, S_JOB_ID, &task->job);
    spank_get_item(task->spank, S_JOB_STEPID, &task->step);
    if (spank_getenv(task->spank, "HOME", task->home, sizeof task->home) != ESPANK_SUCCESS ||
        task->home[0] != '/')
        berth_format(task->home, sizeof task->home, "/tmp");
    if (spank_getenv(task->spank, "TMPDIR", task->tmp, sizeof task->tmp) != ESPANK_SUCCESS ||
        task->tmp[0] != '/')
        berth_format(task->tmp, sizeof task->tmp, "/tmp");
    berth_format(berth_report_marker, sizeof berth_report_marker,
                 "%s/berth-container-%u.%u.reported", task->tmp, task->job, task->step);
    /* skopeo and umoci read their configuration from the home folder; the
     * task still has slurmstepd's environment (the job's is applied at exec). */
    setenv("HOME", task->home, 1);
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("XDG_CONFIG_HOME");
    return 0;
}

int slurm_spank_task_init(spank_t spank, int argc, char** argv) {
    (void)argc;
    (void)argv;
    if (take_variables(spank) != 0)
        return -1;
    if (!image_option && !name_option)
        return 0;
    static struct task task;
    task.spank = spank;
    start_task(&task);
    if (name_option && find_named(&task) != 0)
        return -1;
    char bundle[PATH_LENGTH] = "";
    if (!task.reuse) {
        char reference[PATH_LENGTH], error[BERTH_ERROR_LENGTH];
        if (berth_image_reference(image_option, default_registry, reference, sizeof reference,
                                  error, sizeof error) != 0) {
            complain("%s", error);
            return -1;
        }
        if (berth_import_image(reference, task.home, bundle, sizeof bundle) != 0)
            return -1;
        if (name_option ? create_named(&task, bundle) != 0
                        : berth_format(task.meta, sizeof task.meta, "%s", bundle) != 0)
            return -1;
    }
    load_image_description(&task);
    if (name_option)
        register_running(&task);
    if (task.running ? attach(task.running) != 0 : build_root(&task, bundle) != 0)
        return -1;
    if (enter_workdir(&task) != 0)
        return -1;
    merge_environment(&task);
    let_apt_run_as_remapped_root();
    if (berth_install_seccomp_filter() != 0)
        return -1;
    return enter_pid_namespace();
}

/* Runs fn with the job user's file-system identity (this thread only), for
 * removals in places the job chose. */
static void as_job_user(spank_t spank, void (*fn)(spank_t)) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (spank_get_item(spank, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
        spank_get_item(spank, S_JOB_GID, &gid) != ESPANK_SUCCESS)
        return;
    gid_t old_gid = (gid_t)setfsgid(gid);
    uid_t old_uid = (uid_t)setfsuid(uid);
    fn(spank);
    setfsuid(old_uid);
    setfsgid(old_gid);
}

static void job_folders(spank_t spank, char* home, char* tmp, uint32_t* job, uint32_t* step) {
    spank_get_item(spank, S_JOB_ID, job);
    spank_get_item(spank, S_JOB_STEPID, step);
    if (spank_getenv(spank, "HOME", home, PATH_LENGTH) != ESPANK_SUCCESS || home[0] != '/')
        berth_format(home, PATH_LENGTH, "/tmp");
    if (spank_getenv(spank, "TMPDIR", tmp, PATH_LENGTH) != ESPANK_SUCCESS || tmp[0] != '/')
        berth_format(tmp, PATH_LENGTH, "/tmp");
}

/* The task's scratch folder, or its record in the named container. */
static void remove_task_traces(spank_t spank) {
    char home[PATH_LENGTH], tmp[PATH_LENGTH], path[PATH_LENGTH], prefix[128];
    uint32_t job = 0, step = 0;
    pid_t pid = 0;
    job_folders(spank, home, tmp, &job, &step);
    if (name_option) {
        if (spank_get_item(spank, S_TASK_PID, &pid) == ESPANK_SUCCESS &&
            berth_format(path, sizeof path, "%s/.cache/berth-containers/named/%s/pids/%d", home,
                         container_name, (int)pid) == 0)
            unlink(path);
        return;
    }
    if (berth_format(prefix, sizeof prefix, "berth-container-%u.%u-", job, step) != 0)
        return;
    DIR* folder = opendir(tmp);
    if (!folder)
        return;
    uid_t uid = 0;
    spank_get_item(spank, S_JOB_UID, &uid);
    for (struct dirent* entry; (entry = readdir(folder)) != NULL;) {
        struct stat info;
        if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0 ||
            berth_format(path, sizeof path, "%s/%s", tmp, entry->d_name) != 0 ||
            lstat(path, &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != uid)
            continue;
        if (berth_remove_tree(path) != 0)
            slurm_info("berth-container: cannot remove %s: %s", path, strerror(errno));
    }
    closedir(folder);
}

/* In slurmstepd, after a task ended. */
int slurm_spank_task_exit(spank_t spank, int argc, char** argv) {
    (void)argc;
    (void)argv;
    /* slurmstepd did not run task_init: the PYXIS_CONTAINER_* variables may
     * still have to say that this was a container task. */
    if (take_variables(spank) == 0 && (image_option || name_option))
        as_job_user(spank, remove_task_traces);
    return 0;
}

static void remove_report_marker(spank_t spank) {
    char home[PATH_LENGTH], tmp[PATH_LENGTH], path[PATH_LENGTH];
    uint32_t job = 0, step = 0;
    job_folders(spank, home, tmp, &job, &step);
    if (berth_format(path, sizeof path, "%s/berth-container-%u.%u.reported", tmp, job, step) == 0)
        unlink(path);
}

/* In slurmstepd once the step's tasks have all ended: the step's report
 * marker goes. */
int slurm_spank_exit(spank_t spank, int argc, char** argv) {
    (void)argc;
    (void)argv;
    if (spank_context() == S_CTX_REMOTE && take_variables(spank) == 0 &&
        (image_option || name_option))
        as_job_user(spank, remove_report_marker);
    return 0;
}
