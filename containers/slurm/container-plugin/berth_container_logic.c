/* The pure parts of the berth_container SPANK plugin; see the header. */
#define _GNU_SOURCE
#include "berth_container_logic.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

int berth_format(char* out, size_t capacity, const char* format, ...) {
    if (capacity == 0)
        return -1;
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(out, capacity, format, arguments);
    va_end(arguments);
    if (length < 0 || (size_t)length >= capacity) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int berth_image_reference(const char* option, const char* default_registry, char* reference,
                          size_t capacity, char* error, size_t error_capacity) {
    static const char docker_scheme[] = "docker://";
    if (!option || !*option) {
        berth_format(error, error_capacity, "--container-image: argument required");
        return -1;
    }
    if (strncmp(option, docker_scheme, sizeof docker_scheme - 1) == 0)
        option += sizeof docker_scheme - 1;
    if (strstr(option, "://")) {
        berth_format(error, error_capacity,
                     "--container-image '%.200s': only docker:// references are supported (berth "
                     "pulls from a "
                     "registry; there is no dockerd:// or podman:// import)",
                     option);
        return -1;
    }
    if (option[0] == '/' || option[0] == '.') {
        berth_format(error, error_capacity,
                     "--container-image '%.200s': squashfs files are not supported (berth has no "
                     "enroot); push "
                     "the image to a registry and name it",
                     option);
        return -1;
    }
    const char* hash = strchr(option, '#');
    const char* at = strchr(option, '@');
    if (at && (!hash || at < hash) && strncmp(at + 1, "sha256:", 7) != 0) {
        berth_format(error, error_capacity,
                     "--container-image '%.200s': USER@ is not supported: berth has no enroot "
                     "credentials file; "
                     "log in with 'skopeo login REGISTRY' and leave USER@ out",
                     option);
        return -1;
    }
    int result;
    if (hash) {
        if (hash == option || !hash[1]) {
            berth_format(error, error_capacity,
                         "--container-image '%.200s': empty registry or image", option);
            return -1;
        }
        result =
            berth_format(reference, capacity, "%.*s/%s", (int)(hash - option), option, hash + 1);
    } else {
        const char* slash = strchr(option, '/');
        size_t head = slash ? (size_t)(slash - option) : 0;
        int names_registry = slash && (memchr(option, '.', head) || memchr(option, ':', head) ||
                                       (head == 9 && strncmp(option, "localhost", 9) == 0));
        result = names_registry
                     ? berth_format(reference, capacity, "%s", option)
                     : berth_format(reference, capacity, "%s/%s", default_registry, option);
    }
    if (result != 0)
        berth_format(error, error_capacity, "--container-image '%.200s...': too long", option);
    return result;
}

int berth_valid_container_name(const char* name) {
    if (!name || !*name || name[0] == '.')
        return 0;
    size_t length = 0;
    for (const char* c = name; *c; ++c, ++length) {
        int allowed = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!allowed || length >= BERTH_NAME_LENGTH)
            return 0;
    }
    return 1;
}

int berth_parse_container_name(const char* option, char* name, size_t capacity,
                               enum berth_name_flag* flag, char* error, size_t error_capacity) {
    static const struct {
        const char* text;
        enum berth_name_flag flag;
    } flags[] = {{"auto", BERTH_NAME_AUTO},
                 {"create", BERTH_NAME_CREATE},
                 {"exec", BERTH_NAME_EXEC},
                 {"no_exec", BERTH_NAME_NO_EXEC}};
    if (!option || !*option) {
        berth_format(error, error_capacity, "--container-name: argument required");
        return -1;
    }
    const char* colon = strchr(option, ':');
    size_t length = colon ? (size_t)(colon - option) : strlen(option);
    if (length == 0) {
        berth_format(error, error_capacity, "--container-name: empty name");
        return -1;
    }
    if (berth_format(name, capacity, "%.*s", (int)length, option) != 0 ||
        !berth_valid_container_name(name)) {
        berth_format(
            error, error_capacity,
            "--container-name '%.200s': use letters, digits, '.', '_' and '-' (at most %d), not "
            "beginning with '.'",
            option, BERTH_NAME_LENGTH);
        return -1;
    }
    *flag = BERTH_NAME_AUTO;
    if (!colon)
        return 0;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; ++i) {
        if (strcmp(colon + 1, flags[i].text) == 0) {
            *flag = flags[i].flag;
            return 0;
        }
    }
    berth_format(error, error_capacity,
                 "--container-name: flag must be \"auto\", \"create\", \"exec\" or \"no_exec\"");
    return -1;
}

int berth_registry_argument(int argc, char** argv, char* registry, size_t capacity) {
    static const char key[] = "default_registry=";
    for (int i = 0; i < argc; ++i) {
        if (strncmp(argv[i], key, sizeof key - 1) == 0 &&
            berth_format(registry, capacity, "%s", argv[i] + sizeof key - 1) != 0)
            return -1;
    }
    return 0;
}

/* One mount flag: what it sets in struct berth_mount. Data, not branches:
 * a new flag is one row. */
static const struct mount_flag {
    const char* name;
    int read_only;       /* -1 leaves it as it is */
    int recursive;       /* -1 leaves it as it is */
    unsigned long set;   /* MS_NOSUID, ... added */
    unsigned long clear; /* ... removed */
    unsigned long propagation;
} mount_flags[] = {
    {"ro", 1, -1, 0, 0, 0},
    {"rw", 0, -1, 0, 0, 0},
    {"bind", -1, 0, 0, 0, 0},
    {"rbind", -1, 1, 0, 0, 0},
    {"nosuid", -1, -1, MS_NOSUID, 0, 0},
    {"suid", -1, -1, 0, MS_NOSUID, 0},
    {"nodev", -1, -1, MS_NODEV, 0, 0},
    {"dev", -1, -1, 0, MS_NODEV, 0},
    {"noexec", -1, -1, MS_NOEXEC, 0, 0},
    {"exec", -1, -1, 0, MS_NOEXEC, 0},
    {"private", -1, -1, 0, 0, MS_PRIVATE},
    {"rprivate", -1, -1, 0, 0, MS_PRIVATE | MS_REC},
    {"slave", -1, -1, 0, 0, MS_SLAVE},
    {"rslave", -1, -1, 0, 0, MS_SLAVE | MS_REC},
    {"shared", -1, -1, 0, 0, MS_SHARED},
    {"rshared", -1, -1, 0, 0, MS_SHARED | MS_REC},
    {"unbindable", -1, -1, 0, 0, MS_UNBINDABLE},
    {"runbindable", -1, -1, 0, 0, MS_UNBINDABLE | MS_REC},
};

static int apply_mount_flag(struct berth_mount* mount, const char* flag, size_t length) {
    for (size_t i = 0; i < sizeof mount_flags / sizeof mount_flags[0]; ++i) {
        const struct mount_flag* row = &mount_flags[i];
        if (strlen(row->name) != length || strncmp(row->name, flag, length) != 0)
            continue;
        if (row->read_only >= 0)
            mount->read_only = row->read_only;
        if (row->recursive >= 0)
            mount->recursive = row->recursive;
        mount->flags = (mount->flags | row->set) & ~row->clear;
        if (row->propagation)
            mount->propagation = row->propagation;
        return 0;
    }
    return -1;
}

static int is_path(const char* text) {
    return text[0] == '/' || text[0] == '.';
}

/* "SRC[:DST[:FLAGS]]" into its three parts; -1 when a part is empty. */
static int split_mount(const char* item, struct berth_mount* mount, const char** flags) {
    const char* colon = strchr(item, ':');
    size_t source_length = colon ? (size_t)(colon - item) : strlen(item);
    const char* target = colon ? colon + 1 : item;
    const char* second = colon ? strchr(target, ':') : NULL;
    size_t target_length = second ? (size_t)(second - target) : strlen(target);
    *flags = second && second[1] ? second + 1 : NULL;
    if (source_length == 0 || target_length == 0)
        return -1;
    if (berth_format(mount->source, sizeof mount->source, "%.*s", (int)source_length, item) != 0 ||
        berth_format(mount->target, sizeof mount->target, "%.*s", (int)target_length, target) != 0)
        return -2;
    return 0;
}

int berth_parse_mount(const char* item, struct berth_mount* mount, char* error,
                      size_t error_capacity) {
    memset(mount, 0, sizeof *mount);
    mount->recursive = 1;
    const char* flags = NULL;
    int split = split_mount(item, mount, &flags);
    if (split != 0) {
        berth_format(error, error_capacity,
                     split == -2 ? "--container-mounts: a path is too long: %.64s..."
                                 : "--container-mounts: invalid format: %s",
                     item);
        return -1;
    }
    if (strcmp(mount->source, "tmpfs") == 0) {
        mount->kind = BERTH_MOUNT_TMPFS;
    } else if (strcmp(mount->source, "umount") == 0) {
        mount->kind = BERTH_MOUNT_UMOUNT;
    } else if (!is_path(mount->source)) {
        berth_format(
            error, error_capacity,
            "mount source must be a relative path, an absolute path, \"tmpfs\" or \"umount\": %s",
            item);
        return -1;
    }
    if (!is_path(mount->target)) {
        berth_format(error, error_capacity,
                     "mount target must be a relative path or an absolute path: %s", item);
        return -1;
    }
    for (const char* flag = flags; flag && *flag;) {
        const char* plus = strchr(flag, '+');
        size_t length = plus ? (size_t)(plus - flag) : strlen(flag);
        if (apply_mount_flag(mount, flag, length) != 0) {
            berth_format(
                error, error_capacity,
                "--container-mounts: unknown mount flag '%.*s' in %s (berth knows ro, rw, bind, "
                "rbind, "
                "[no]suid, [no]dev, [no]exec, [r]private, [r]slave, [r]shared, [r]unbindable)",
                (int)length, flag, item);
            return -1;
        }
        flag = plus ? plus + 1 : NULL;
    }
    return 0;
}

int berth_names_variable(const char* list, const char* name) {
    if (!list)
        return 0;
    size_t name_length = strlen(name);
    for (const char* start = list;;) {
        const char* comma = strchr(start, ',');
        size_t length = comma ? (size_t)(comma - start) : strlen(start);
        if (length == name_length && strncmp(start, name, length) == 0)
            return 1;
        if (!comma)
            return 0;
        start = comma + 1;
    }
}

void berth_merge_environment(char* text, size_t length, const char* env_option,
                             berth_set_variable set, void* context) {
    for (size_t start = 0; start < length;) {
        char* entry = text + start;
        size_t entry_length = strnlen(entry, length - start);
        char* equals = memchr(entry, '=', entry_length);
        if (equals) {
            *equals = '\0';
            int image_wins = !berth_names_variable(env_option, entry);
            set(entry, equals + 1, image_wins, context);
            *equals = '=';
        }
        start += entry_length + 1;
    }
}

int berth_digest_hex(const char* answer, char* hex, size_t capacity) {
    static const char prefix[] = "sha256:";
    if (capacity < 65 || strncmp(answer, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char* digits = answer + sizeof prefix - 1;
    for (int i = 0; i < 64; ++i) {
        char c = digits[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    for (const char* rest = digits + 64; *rest; ++rest) {
        if (*rest != '\n' && *rest != ' ' && *rest != '\r')
            return -1;
    }
    memcpy(hex, digits, 64);
    hex[64] = '\0';
    return 0;
}

int berth_valid_env_list(const char* list) {
    if (!list || !*list)
        return 0;
    for (const char* start = list;;) {
        const char* comma = strchr(start, ',');
        size_t length = comma ? (size_t)(comma - start) : strlen(start);
        if (length == 0)
            return 0;
        if (!comma)
            return 1;
        start = comma + 1;
    }
}

int berth_parse_unshare(const char* list, int* clone_flags, char* error, size_t error_capacity) {
    static const struct {
        const char* name;
        int flag;
    } namespaces[] = {{"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}};
    *clone_flags = 0;
    if (!list || !*list) {
        berth_format(error, error_capacity, "--container-unshare: argument required");
        return -1;
    }
    for (const char* start = list;;) {
        const char* comma = strchr(start, ',');
        size_t length = comma ? (size_t)(comma - start) : strlen(start);
        if (length == 0) {
            berth_format(error, error_capacity, "--container-unshare: empty namespace argument");
            return -1;
        }
        size_t i = 0;
        while (i < 3 && !(strlen(namespaces[i].name) == length &&
                          strncmp(namespaces[i].name, start, length) == 0))
            ++i;
        if (i == 3) {
            berth_format(error, error_capacity,
                         "--container-unshare: unknown namespace '%.*s' (supported: net, ipc, uts)",
                         (int)length, start);
            return -1;
        }
        *clone_flags |= namespaces[i].flag;
        if (!comma)
            return 0;
        start = comma + 1;
    }
}

int berth_is_locale_variable(const char* name) {
    return strcmp(name, "LANG") == 0 || strcmp(name, "LANGUAGE") == 0 ||
           strncmp(name, "LC_", 3) == 0;
}

int berth_parse_bool(const char* value) {
    static const char* const truths[] = {"1", "true", "yes", "y", "on"};
    static const char* const falsehoods[] = {"0", "false", "no", "n", "off"};
    for (size_t i = 0; i < 5; ++i) {
        if (strcasecmp(value, truths[i]) == 0)
            return 1;
        if (strcasecmp(value, falsehoods[i]) == 0)
            return 0;
    }
    return -1;
}
