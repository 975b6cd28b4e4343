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

/* vsnprintf into out; 0 when all of it fit, -1 when it was cut or failed. */
int berth_format(char *out, size_t capacity, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* The registry reference skopeo pulls: "registry:5000#team/app:1" and
 * "registry:5000/team/app:1" name a registry, "app:1" takes default_registry.
 * -1 when the option is empty or the reference does not fit. */
int berth_image_reference(const char *option, const char *default_registry, char *reference, size_t capacity);

/* A --container-name: [A-Za-z0-9._-], 1 to BERTH_NAME_LENGTH characters,
 * not beginning with '.' (no "..", no hidden names, no path). 1 when valid. */
int berth_valid_container_name(const char *name);

/* "default_registry=HOST[:PORT]" among the plugin's plugstack.conf
 * arguments, into registry (left as it is when absent). -1 when too long. */
int berth_registry_argument(int argc, char **argv, char *registry, size_t capacity);

struct berth_mount {
    char source[BERTH_PATH_LENGTH];
    char target[BERTH_PATH_LENGTH];
    int read_only;
};

/* One item of --container-mounts, "/SOURCE:/TARGET[:ro|rw]". 0, or -1 with
 * what was wrong in error. */
int berth_parse_mount(const char *item, struct berth_mount *mount, char *error, size_t error_capacity);

/* Whether a comma-separated --container-env list names the variable. */
int berth_names_variable(const char *list, const char *name);

/* Pyxis's rule: the image's environment over the job's. For each NAME=VALUE
 * of text (entries separated by NUL, length bytes in all, and text[length] a
 * NUL that ends the last one), set(name, value, image_wins, context) where
 * image_wins is 1 unless env_option (--container-env) names the variable,
 * whose job value then stays. Entries without '=' are skipped. text is left
 * as it was. */
typedef void (*berth_set_variable)(const char *name, const char *value, int image_wins, void *context);
void berth_merge_environment(char *text, size_t length, const char *env_option, berth_set_variable set,
                             void *context);

/* The hex of a "sha256:<64 hex>" digest (skopeo's answer, trailing
 * whitespace allowed) into hex, which must hold 65 bytes. -1 for anything
 * else: the digest becomes a folder name, so nothing else may pass. */
int berth_digest_hex(const char *answer, char *hex, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
