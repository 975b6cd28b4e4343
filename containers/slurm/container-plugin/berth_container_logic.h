/*
 * The pure parts of the berth_container SPANK plugin: option values, image
 * references, mount lists, container names and the environment merge. No
 * SPANK calls and no system calls, so that the unit tests run them as they
 * are (tests/plugin). Every function that writes into a buffer says whether
 * the result fit: a path cut short is never used.
 */
#ifndef BERTH_CONTAINER_LOGIC_H
#define BERTH_CONTAINER_LOGIC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTH_PATH_LENGTH 4096
#define BERTH_NAME_LENGTH 128
#define BERTH_ERROR_LENGTH 512

/* vsnprintf into out; 0 when all of it fit, -1 when it was cut or failed. */
int berth_format(char* out, size_t capacity, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

/* The registry reference skopeo pulls, from Pyxis's
 * "[docker://][USER@][REGISTRY#]IMAGE[:TAG]": "registry:5000#team/app:1" and
 * "registry:5000/team/app:1" name a registry, "app:1" takes
 * default_registry. -1 with the reason in error for what berth cannot pull:
 * an empty reference, a squashfs path, another scheme, a USER@ (berth has no
 * credential store to pick from), or one that does not fit. */
int berth_image_reference(const char* option, const char* default_registry, char* reference,
                          size_t capacity, char* error, size_t error_capacity);

/* A --container-name's NAME part: [A-Za-z0-9._-], 1 to BERTH_NAME_LENGTH
 * characters, not beginning with '.' (no "..", no hidden names, no path).
 * 1 when valid. */
int berth_valid_container_name(const char* name);

/* What --container-name's ":FLAG" asks when a container of that name exists
 * or not (Pyxis's flags). */
enum berth_name_flag {
    BERTH_NAME_AUTO,    /* attach if running, else reuse the files, else create */
    BERTH_NAME_CREATE,  /* refuse when it exists */
    BERTH_NAME_EXEC,    /* refuse unless a task runs in it; then attach */
    BERTH_NAME_NO_EXEC, /* reuse the files, never attach */
};

/* "NAME[:auto|create|exec|no_exec]" into name and flag; -1 with Pyxis's
 * message in error for an empty name, an unknown flag or a name that is not
 * a plain name. */
int berth_parse_container_name(const char* option, char* name, size_t capacity,
                               enum berth_name_flag* flag, char* error, size_t error_capacity);

/* "default_registry=HOST[:PORT]" among the plugin's plugstack.conf
 * arguments, into registry (left as it is when absent). -1 when too long. */
int berth_registry_argument(int argc, char** argv, char* registry, size_t capacity);

/* Mount flags, as the kernel's MS_* bits berth applies after the bind. */
enum berth_mount_kind { BERTH_MOUNT_BIND, BERTH_MOUNT_TMPFS, BERTH_MOUNT_UMOUNT };

struct berth_mount {
    enum berth_mount_kind kind;
    char source[BERTH_PATH_LENGTH];
    char target[BERTH_PATH_LENGTH];
    int read_only;
    int recursive;       /* rbind (the default for binds) or bind */
    unsigned long flags; /* MS_NOSUID, MS_NODEV, MS_NOEXEC */
    unsigned long
        propagation; /* MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE, MS_SHARED, | MS_REC; 0 for none */
};

/* One item of --container-mounts as Pyxis reads it: "SRC[:DST[:FLAG+FLAG...]]"
 * where SRC is an absolute or relative path (starting with '/' or '.'),
 * "tmpfs" or "umount", DST defaults to SRC and is absolute or relative to
 * the container's root. Flags: ro, rw, bind, rbind, nosuid, nodev, noexec,
 * suid, dev, exec, and the propagations [r]private, [r]slave, [r]shared,
 * [r]unbindable. 0, or -1 with what was wrong in error. */
int berth_parse_mount(const char* item, struct berth_mount* mount, char* error,
                      size_t error_capacity);

/* Whether a comma-separated --container-env list names the variable. */
int berth_names_variable(const char* list, const char* name);

/* A --container-env value: names separated by single commas, none empty.
 * 1 when valid. */
int berth_valid_env_list(const char* list);

/* Namespaces of --container-unshare=NS[,NS...] (Pyxis offers net, ipc,
 * uts) as CLONE_* bits; -1 with the message in error for an empty or
 * unknown entry. */
int berth_parse_unshare(const char* list, int* clone_flags, char* error, size_t error_capacity);

/* Locale variables Pyxis does not let in from the job (the image's own
 * apply): LANG, LANGUAGE, LC_ALL, and berth also drops the other LC_*, which
 * name locales the image usually lacks. */
int berth_is_locale_variable(const char* name);

/* Pyxis's rule: the image's environment over the job's. For each NAME=VALUE
 * of text (entries separated by NUL, length bytes in all, and text[length] a
 * NUL that ends the last one), set(name, value, image_wins, context) where
 * image_wins is 1 unless env_option (--container-env) names the variable,
 * whose job value then stays. Entries without '=' are skipped. text is left
 * as it was. */
typedef void (*berth_set_variable)(const char* name, const char* value, int image_wins,
                                   void* context);
void berth_merge_environment(char* text, size_t length, const char* env_option,
                             berth_set_variable set, void* context);

/* The hex of a "sha256:<64 hex>" digest (skopeo's answer, trailing
 * whitespace allowed) into hex, which must hold 65 bytes. -1 for anything
 * else: the digest becomes a folder name, so nothing else may pass. */
int berth_digest_hex(const char* answer, char* hex, size_t capacity);

/* Pyxis's boolean environment values (PYXIS_CONTAINER_REMAP_ROOT=1, ...):
 * 1 for 1/true/yes/y/on, 0 for 0/false/no/n/off, -1 otherwise. */
int berth_parse_bool(const char* value);

#ifdef __cplusplus
}
#endif

#endif
