/* The pure parts of the berth_container SPANK plugin; see the header. */
#include "berth_container_logic.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int berth_format(char *out, size_t capacity, const char *format, ...) {
    if (capacity == 0) return -1;
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

int berth_image_reference(const char *option, const char *default_registry, char *reference, size_t capacity) {
    if (!option || !*option) return -1;
    const char *hash = strchr(option, '#');
    if (hash) {
        if (hash == option || !hash[1]) return -1;
        return berth_format(reference, capacity, "%.*s/%s", (int)(hash - option), option, hash + 1);
    }
    const char *slash = strchr(option, '/');
    if (slash) {
        size_t head = (size_t)(slash - option);
        int names_registry = memchr(option, '.', head) || memchr(option, ':', head) ||
                             (head == 9 && strncmp(option, "localhost", 9) == 0);
        if (names_registry) return berth_format(reference, capacity, "%s", option);
    }
    return berth_format(reference, capacity, "%s/%s", default_registry, option);
}

int berth_valid_container_name(const char *name) {
    if (!name || !*name || name[0] == '.') return 0;
    size_t length = 0;
    for (const char *c = name; *c; ++c, ++length) {
        int allowed = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '.' || *c == '_' || *c == '-';
        if (!allowed || length >= BERTH_NAME_LENGTH) return 0;
    }
    return 1;
}

int berth_registry_argument(int argc, char **argv, char *registry, size_t capacity) {
    static const char key[] = "default_registry=";
    for (int i = 0; i < argc; ++i) {
        if (strncmp(argv[i], key, sizeof key - 1) == 0 &&
            berth_format(registry, capacity, "%s", argv[i] + sizeof key - 1) != 0)
            return -1;
    }
    return 0;
}

int berth_parse_mount(const char *item, struct berth_mount *mount, char *error, size_t error_capacity) {
    const char *colon = strchr(item, ':');
    if (!colon || colon == item || colon[1] != '/' || item[0] != '/') {
        berth_format(error, error_capacity, "bad mount '%s': expected /SOURCE:/TARGET[:ro|rw]", item);
        return -1;
    }
    const char *target = colon + 1;
    const char *flags = strchr(target, ':');
    size_t target_length = flags ? (size_t)(flags - target) : strlen(target);
    mount->read_only = 0;
    if (flags && strcmp(flags + 1, "ro") == 0) {
        mount->read_only = 1;
    } else if (flags && strcmp(flags + 1, "rw") != 0) {
        berth_format(error, error_capacity, "bad mount flags '%s': expected ro or rw", flags + 1);
        return -1;
    }
    if (berth_format(mount->source, sizeof mount->source, "%.*s", (int)(colon - item), item) != 0 ||
        berth_format(mount->target, sizeof mount->target, "%.*s", (int)target_length, target) != 0) {
        berth_format(error, error_capacity, "mount '%.64s...': a path is too long", item);
        return -1;
    }
    return 0;
}

int berth_names_variable(const char *list, const char *name) {
    if (!list) return 0;
    size_t name_length = strlen(name);
    for (const char *start = list;;) {
        const char *comma = strchr(start, ',');
        size_t length = comma ? (size_t)(comma - start) : strlen(start);
        if (length == name_length && strncmp(start, name, length) == 0) return 1;
        if (!comma) return 0;
        start = comma + 1;
    }
}

void berth_merge_environment(char *text, size_t length, const char *env_option, berth_set_variable set,
                             void *context) {
    for (size_t start = 0; start < length;) {
        char *entry = text + start;
        size_t entry_length = strnlen(entry, length - start);
        char *equals = memchr(entry, '=', entry_length);
        if (equals) {
            *equals = '\0';
            int image_wins = !berth_names_variable(env_option, entry);
            set(entry, equals + 1, image_wins, context);
            *equals = '=';
        }
        start += entry_length + 1;
    }
}

int berth_digest_hex(const char *answer, char *hex, size_t capacity) {
    static const char prefix[] = "sha256:";
    if (capacity < 65 || strncmp(answer, prefix, sizeof prefix - 1) != 0) return -1;
    const char *digits = answer + sizeof prefix - 1;
    for (int i = 0; i < 64; ++i) {
        char c = digits[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
    }
    for (const char *rest = digits + 64; *rest; ++rest) {
        if (*rest != '\n' && *rest != ' ' && *rest != '\r') return -1;
    }
    memcpy(hex, digits, 64);
    hex[64] = '\0';
    return 0;
}
