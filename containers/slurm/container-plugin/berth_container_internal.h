/*
 * What the parts of the berth_container SPANK plugin share: the report of
 * errors (once per step), running programs, the image cache, and the
 * container's root filesystem. The plugin is split by concern: options and
 * the SPANK entry points (berth_container.c), images
 * (berth_container_image.c), the root filesystem (berth_container_root.c).
 */
#ifndef BERTH_CONTAINER_INTERNAL_H
#define BERTH_CONTAINER_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "berth_container_logic.h"

#define PATH_LENGTH BERTH_PATH_LENGTH

/* Prints "berth-container: ..." on the task's stderr, once per step: the
 * first task of the step that complains claims the step's report (see
 * berth_claim_report) and the others keep quiet, so --ntasks=4 shows one
 * error, not four. */
void complain(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* The file whose creation claims a step's report; set once the step is
 * known, empty before (then every complaint is printed). */
extern char berth_report_marker[PATH_LENGTH];

/* Formats a path; a path that does not fit is an error, never used cut. */
#define PATH_OR_FAIL(buffer, ...)                                    \
    do {                                                             \
        if (berth_format(buffer, sizeof buffer, __VA_ARGS__) != 0) { \
            complain("a path is too long: %.80s...", buffer);        \
            return -1;                                               \
        }                                                            \
    } while (0)

/* Runs a program from an argument vector (no shell); stdout into output and
 * stderr into errors (either may be NULL). The exit status, -1 when it could
 * not start or was killed. */
int berth_run(char* output, size_t output_capacity, char* errors, size_t errors_capacity,
              char* const argv[]);

/* rm -rf without a shell, never following symbolic links. */
int berth_remove_tree(const char* path);

/* mkdir -p (0755). */
int berth_make_folders(const char* path);

/* Pulls and unpacks the image once per digest into the user's cache; 0 and
 * the bundle folder (rootfs/, env, cwd), or -1 after complaining. */
int berth_import_image(const char* reference, const char* home, char* bundle, size_t capacity);

/* Copies a small file (the bundle's env and cwd); 0 or -1. */
int berth_copy_file(const char* from, const char* to);

/* Writes text to an existing file (the /proc maps); 0 or -1. */
int berth_write_file(const char* path, const char* text);

/* Opens path inside the directory root_fd as if root_fd were "/": "..",
 * absolute symbolic links and "/" never leave it (openat2 with
 * RESOLVE_IN_ROOT). With create, missing folders are made, and the last
 * component too: a folder when directory, else an empty file. An O_PATH
 * descriptor, or -1 with errno. */
int berth_open_in_root(int root_fd, const char* path, int create, int directory);

/* The seccomp filter Pyxis (enroot) installs: calls that change owners and
 * identities (chown family, setuid family, setgroups) succeed without doing
 * anything, so package managers that drop privileges work in a user
 * namespace that maps one id. 0 or -1 after complaining. */
int berth_install_seccomp_filter(void);

#endif
