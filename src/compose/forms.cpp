#include "forms.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <berth/compose/units.hpp>

namespace berth::compose::detail {

namespace {

Node wrap_in_mapping(const std::string& key, Node value) {
    Node mapping = Node::make_mapping(value.location);
    value.plain = false;
    mapping.set(key, std::move(value));
    return mapping;
}

// A build context that is not a folder: git, http(s), ssh, docker-image://.
bool looks_like_url(const std::string& context) {
    return context.find("://") != std::string::npos || context.rfind("git@", 0) == 0 ||
           context.rfind("github.com/", 0) == 0;
}

void make_absolute(Normalizer& normalizer, Node& mapping, const char* key) {
    if (Node* text = mapping.find(key); text && text->is_scalar()) {
        text->scalar = normalizer.absolute_path(text->scalar);
    }
}

}  // namespace

bool valid_service_name(const std::string& name) {
    if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char character) {
        return std::isalnum(static_cast<unsigned char>(character)) || character == '_' ||
               character == '.' || character == '-';
    });
}

// ---- top level and services ------------------------------------------------

bool services_section(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_mapping()) {
        normalizer.error(value, path, "expected a mapping of services, got " + describe(value));
        return false;
    }
    return true;
}

bool service_entry(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_mapping()) {
        normalizer.error(value, path,
                         "expected a mapping describing the service, got " + describe(value));
        value = Node::make_mapping(value.location);
    }
    return true;
}

bool container_name(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!normalizer.scalar_string(value, path)) {
        return false;
    }
    if (!valid_service_name(value.scalar)) {
        normalizer.error(value, path,
                         "invalid container name '" + value.scalar +
                             "': use letters, digits, '_', '.' and '-', starting with a letter "
                             "or digit");
    }
    return true;
}

bool restart_policy(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_scalar()) {
        const std::string& text = value.scalar;
        if (text == "no" || text == "always" || text == "unless-stopped" || text == "on-failure") {
            return true;
        }
        if (text.rfind("on-failure:", 0) == 0 && parse_integer(text.substr(11)) &&
            *parse_integer(text.substr(11)) >= 0) {
            return true;
        }
        // YAML 1.1 readers turn an unquoted `no` into false.
        if (value.plain && text == "false") {
            value.scalar = "no";
            return true;
        }
    }
    normalizer.error(
        value, path,
        "expected no, always, unless-stopped, on-failure or on-failure:N, got " + describe(value));
    return false;
}

// always, never, missing, build, if_not_present, refresh, daily, weekly or
// every_DURATION where DURATION is number+unit pairs in w, d, h, m, s.
bool pull_policy(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_scalar()) {
        const std::string& text = value.scalar;
        for (const char* word : {"always", "never", "missing", "build", "if_not_present", "refresh",
                                 "daily", "weekly"}) {
            if (text == word) {
                return true;
            }
        }
        if (text.rfind("every_", 0) == 0 && text.size() > 6) {
            bool valid = true;
            bool digits = false;
            for (std::size_t index = 6; index < text.size() && valid; ++index) {
                const char character = text[index];
                if (std::isdigit(static_cast<unsigned char>(character))) {
                    digits = true;
                } else if (std::string_view("wdhms").find(character) != std::string_view::npos &&
                           digits) {
                    digits = false;
                } else {
                    valid = false;
                }
            }
            if (valid && !digits) {
                return true;
            }
        }
    }
    normalizer.error(value, path,
                     "expected always, never, missing, build, if_not_present, refresh, daily, "
                     "weekly or every_<duration> (like every_12h), got " +
                         describe(value));
    return false;
}

bool expose_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!normalizer.string_list(value, path, false)) {
        return false;
    }
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        std::string text = item.scalar;
        const auto slash = text.find('/');
        if (slash != std::string::npos) {
            const std::string protocol = text.substr(slash + 1);
            text = text.substr(0, slash);
            if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
                normalizer.error(item, item_path(path, index),
                                 "unknown protocol '" + protocol + "', expected tcp, udp or sctp");
                continue;
            }
        }
        if (!is_port_range(text)) {
            normalizer.error(
                item, item_path(path, index),
                "expected a port or port range like 80 or 8000-8010, got '" + item.scalar + "'");
        }
    }
    return true;
}

// A mapping of host names to one address or a list of them, or a list of
// "host:ip" / "host=ip".
bool extra_hosts(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_mapping()) {
        return normalizer.string_list(value, path, false);
    }
    Node list = Node::make_sequence(value.location);
    for (auto& entry : value.entries) {
        const std::string entry_path = child_path(path, entry.key);
        Node addresses = entry.value;
        if (!addresses.is_scalar() && !addresses.is_sequence()) {
            normalizer.error(entry.value, entry_path,
                             "expected an IP address, got " + describe(entry.value));
            continue;
        }
        if (!normalizer.string_list(addresses, entry_path, true)) {
            continue;
        }
        for (const auto& address : addresses.items) {
            list.items.push_back(
                Node::make_scalar(entry.key + ":" + address.scalar, entry.key_location));
        }
    }
    value = std::move(list);
    return true;
}

bool env_file_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_scalar()) {
        Node list = Node::make_sequence(value.location);
        list.items.push_back(value);
        value = std::move(list);
    }
    if (!value.is_sequence()) {
        normalizer.error(value, path, "expected a path or a list of paths, got " + describe(value));
        return false;
    }
    for (auto& item : value.items) {
        if (item.is_scalar()) {
            item = wrap_in_mapping("path", item);
        }
    }
    return true;
}

bool path_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!normalizer.string_list(value, path, true)) {
        return false;
    }
    for (auto& item : value.items) {
        item.scalar = normalizer.absolute_path(item.scalar);
    }
    return true;
}

// build.additional_contexts: NAME → a folder (made absolute like context),
// or a URL, `docker-image://REF`, `service:NAME` kept as written.
bool context_map(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!normalizer.string_map(value, path, false)) {
        return false;
    }
    for (auto& entry : value.entries) {
        std::string& context = entry.value.scalar;
        if (!looks_like_url(context) && context.rfind("service:", 0) != 0) {
            context = normalizer.absolute_path(context);
        }
    }
    return true;
}

// "HOST[:CONTAINER[:PERMISSIONS]]", or the long form with source, target and
// permissions, which becomes the short string the engine mapping reads.
bool device_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_sequence()) {
        normalizer.error(value, path, "expected a list of devices, got " + describe(value));
        return false;
    }
    std::vector<Node> kept;
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        const std::string entry_path = item_path(path, index);
        if (item.is_mapping()) {
            const Node* source = item.find("source");
            if (!source || !source->is_scalar()) {
                normalizer.error(item, entry_path, "a device needs 'source', the host path");
                continue;
            }
            std::string text = source->scalar;
            const Node* target = item.find("target");
            const Node* permissions = item.find("permissions");
            text += ":" + (target && target->is_scalar() ? target->scalar : source->scalar);
            if (permissions && permissions->is_scalar()) {
                text += ":" + permissions->scalar;
            }
            item = Node::make_scalar(text, item.location);
        }
        if (!item.is_scalar()) {
            normalizer.error(item, entry_path, "expected a string, got " + describe(item));
            continue;
        }
        item.plain = false;
        kept.push_back(std::move(item));
    }
    value.items = std::move(kept);
    return true;
}

bool gpus_all(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_scalar()) {
        if (value.scalar != "all") {
            normalizer.error(value, path,
                             "expected 'all' or a list of devices, got " + describe(value));
            return false;
        }
        Node list = Node::make_sequence(value.location);
        list.items.push_back(wrap_in_mapping("count", value));
        value = std::move(list);
    }
    return true;
}

// `ssh: [default, id=path]` or `ssh: {id: path}`: canonical as the list.
bool ssh_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_mapping()) {
        Node list = Node::make_sequence(value.location);
        for (auto& entry : value.entries) {
            if (entry.value.is_null()) {
                list.items.push_back(Node::make_scalar(entry.key, entry.key_location));
            } else if (entry.value.is_scalar()) {
                list.items.push_back(
                    Node::make_scalar(entry.key + "=" + entry.value.scalar, entry.key_location));
            } else {
                normalizer.error(entry.value, child_path(path, entry.key),
                                 "expected a path, got " + describe(entry.value));
            }
        }
        value = std::move(list);
    }
    return normalizer.string_list(value, path, true);
}

// ---- names as a list or a mapping -------------------------------------------

bool names_to_mapping(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_mapping()) {
        return true;
    }
    if (!value.is_sequence()) {
        normalizer.error(value, path,
                         "expected a list of names or a mapping, got " + describe(value));
        return false;
    }
    Node mapping = Node::make_mapping(value.location);
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        if (!item.is_scalar()) {
            normalizer.error(item, item_path(path, index),
                             "expected a name, got " + describe(item));
            continue;
        }
        if (mapping.find(item.scalar)) {
            normalizer.error(item, item_path(path, index), "'" + item.scalar + "' is listed twice");
            continue;
        }
        mapping.entries.push_back(
            Entry{item.scalar, item.location, Node::make_mapping(item.location)});
    }
    value = std::move(mapping);
    return true;
}

bool depends_on_list(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_sequence() && !value.is_mapping()) {
        normalizer.error(value, path,
                         "expected a list of service names or a mapping, got " + describe(value));
        return false;
    }
    return names_to_mapping(normalizer, value, path);
}

bool dependency_defaults(Normalizer&, Node& value, const std::string&) {
    if (!value.find("condition")) {
        value.set("condition", Node::make_scalar("service_started", value.location));
    }
    if (!value.find("required")) {
        value.set("required", Node::make_scalar("true", value.location, true));
    }
    return true;
}

// ---- nested mappings ----------------------------------------------------------

bool build_short(Normalizer&, Node& value, const std::string&) {
    if (value.is_scalar()) {
        value = wrap_in_mapping("context", value);
    }
    return true;
}

bool build_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    Node* context = value.find("context");
    if (!context) {
        context = &value.set("context", Node::make_scalar(".", value.location));
    }
    if (!looks_like_url(context->scalar)) {
        context->scalar = normalizer.absolute_path(context->scalar);
    }
    if (value.find("dockerfile") && value.find("dockerfile_inline")) {
        normalizer.error(*value.find("dockerfile_inline"), child_path(path, "dockerfile_inline"),
                         "set either dockerfile or dockerfile_inline, not both");
    }
    return true;
}

bool healthcheck_test(Normalizer& normalizer, Node& test, const std::string& path) {
    if (test.is_scalar()) {
        Node list = Node::make_sequence(test.location);
        list.items.push_back(Node::make_scalar("CMD-SHELL", test.location));
        list.items.push_back(test);
        test = std::move(list);
        return true;
    }
    if (!test.is_sequence()) {
        normalizer.error(test, path, "expected a string or a list, got " + describe(test));
        return false;
    }
    normalizer.string_list(test, path, false);
    if (test.items.empty()) {
        normalizer.error(test, path,
                         "the test list is empty; start it with CMD, CMD-SHELL or NONE");
        return true;
    }
    const std::string& first = test.items[0].scalar;
    if (first != "CMD" && first != "CMD-SHELL" && first != "NONE") {
        normalizer.error(test.items[0], item_path(path, 0),
                         "a test list starts with CMD, CMD-SHELL or NONE, got '" + first + "'");
    } else if (first == "CMD-SHELL" && test.items.size() != 2) {
        normalizer.error(test, path, "CMD-SHELL takes exactly one command string after it");
    } else if (first == "CMD" && test.items.size() < 2) {
        normalizer.error(test, path, "CMD needs the program to run after it");
    }
    return true;
}

bool ulimit_short(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_scalar()) {
        return true;
    }
    Node both = value;
    if (!normalizer.integer(both, path, -1, INT64_MAX)) {
        return false;
    }
    value = Node::make_mapping(value.location);
    value.set("soft", both);
    value.set("hard", both);
    return true;
}

bool ulimit_finish(Normalizer& normalizer, Node& limit, const std::string& path) {
    const Node* soft = limit.find("soft");
    const Node* hard = limit.find("hard");
    if (!soft || !hard) {
        normalizer.error(limit, path, "a limit mapping needs both 'soft' and 'hard'");
        return false;
    }
    if (*parse_integer(soft->scalar) > *parse_integer(hard->scalar) && hard->scalar != "-1") {
        normalizer.error(
            limit, path,
            "the soft limit " + soft->scalar + " is above the hard limit " + hard->scalar);
        return false;
    }
    return true;
}

bool extends_short(Normalizer&, Node& value, const std::string&) {
    if (value.is_scalar()) {
        value = wrap_in_mapping("service", value);
    }
    return true;
}

bool extends_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.find("service")) {
        normalizer.error(value, path, "extends needs 'service', the name of the service to extend");
        return true;
    }
    make_absolute(normalizer, value, "file");
    return true;
}

bool file_reference_short(Normalizer&, Node& value, const std::string&) {
    if (value.is_scalar()) {
        value = wrap_in_mapping("source", value);
    }
    return true;
}

bool file_reference_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.find("source")) {
        normalizer.error(value, path, "needs 'source', the name of a top-level entry");
        return false;
    }
    return true;
}

bool hook_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.find("command")) {
        normalizer.error(value, path, "a hook needs 'command'");
        return false;
    }
    return true;
}

bool watch_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.find("path") || !value.find("action")) {
        normalizer.error(value, path, "a watch rule needs 'path' and 'action'");
        return false;
    }
    make_absolute(normalizer, value, "path");
    return true;
}

bool provider_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.find("type")) {
        normalizer.error(value, path, "a provider needs 'type'");
        return false;
    }
    if (const Node* options = value.find("options"); options && !options->is_mapping()) {
        normalizer.error(*options, child_path(path, "options"),
                         "expected a mapping, got " + describe(*options));
        return false;
    }
    return true;
}

bool device_request_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    if (const Node* count = value.find("count");
        count && count->scalar != "all" && !parse_integer(count->scalar)) {
        normalizer.error(*count, child_path(path, "count"),
                         "expected a number or 'all', got " + describe(*count));
        return false;
    }
    return true;
}

// ---- top-level resources ------------------------------------------------------

// `external: true`, or the old `external: {name: NAME}` (resource_finish
// moves the name to the resource).
bool external_flag(Normalizer& normalizer, Node& value, const std::string& path) {
    if (value.is_mapping()) {
        for (const auto& entry : value.entries) {
            if (entry.key != "name") {
                normalizer.error_at(entry.key_location, child_path(path, entry.key),
                                    "unknown key '" + entry.key + "'");
            }
        }
        if (const Node* name = value.find("name"); name && !name->is_scalar()) {
            normalizer.error(*name, child_path(path, "name"),
                             "expected a string, got " + describe(*name));
            return false;
        }
        return true;
    }
    return normalizer.boolean(value, path);
}

bool resource_finish(Normalizer&, Node& value, const std::string&) {
    Node* external = value.find("external");
    if (external && external->is_mapping()) {
        // Copies first: setting "name" may move the entries `external` points into.
        const Location location = external->location;
        const Node* name = external->find("name");
        std::optional<Node> name_copy = name ? std::optional<Node>(*name) : std::nullopt;
        value.set("external", Node::make_scalar("true", location, true));
        if (name_copy) {
            value.set("name", std::move(*name_copy));
        }
    }
    return true;
}

namespace {

bool one_source(Normalizer& normalizer, Node& value, const std::string& path,
                std::vector<const char*> sources) {
    resource_finish(normalizer, value, path);
    make_absolute(normalizer, value, "file");
    int count = 0;
    std::string list;
    for (const char* source : sources) {
        list += std::string(list.empty() ? "" : ", ") + source;
        const Node* found = value.find(source);
        if (found && !(std::string(source) == "external" && found->scalar == "false")) {
            ++count;
        }
    }
    if (count != 1) {
        normalizer.error(value, path,
                         std::string(count == 0 ? "needs" : "takes only") + " one of " + list);
        return false;
    }
    return true;
}

}  // namespace

bool secret_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    return one_source(normalizer, value, path, {"file", "environment", "external"});
}

bool config_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    return one_source(normalizer, value, path, {"file", "environment", "content", "external"});
}

bool include_short(Normalizer&, Node& value, const std::string&) {
    if (value.is_scalar()) {
        value = wrap_in_mapping("path", value);
    }
    return true;
}

bool include_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    Node* paths = value.find("path");
    if (!paths || paths->items.empty()) {
        normalizer.error(value, path, "an include needs 'path', the compose file(s) to include");
        return false;
    }
    for (const char* key : {"path", "env_file"}) {
        if (Node* list = value.find(key)) {
            for (auto& item : list->items) {
                item.scalar = normalizer.absolute_path(item.scalar);
            }
        }
    }
    make_absolute(normalizer, value, "project_directory");
    return true;
}

}  // namespace berth::compose::detail
