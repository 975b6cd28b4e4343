#include "normalize.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>

#include <berth/compose/units.hpp>

#include "environment.hpp"

namespace berth::compose::detail {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> top_level_keys = {"version", "name", "services", "networks",
                                                 "volumes"};
const std::set<std::string> unsupported_top_level_keys = {"secrets", "configs", "include",
                                                          "models"};

const std::vector<std::string> service_keys = {
    "build",
    "cap_add",
    "cap_drop",
    "command",
    "container_name",
    "depends_on",
    "devices",
    "dns",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "extra_hosts",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "labels",
    "mem_limit",
    "network_mode",
    "networks",
    "pid",
    "platform",
    "ports",
    "privileged",
    "profiles",
    "pull_policy",
    "read_only",
    "restart",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "volumes",
    "working_dir",
};

// Compose keys that berth recognises but does not implement: saying so is
// more useful than calling them unknown.
const std::set<std::string> unsupported_service_keys = {"annotations",
                                                        "attach",
                                                        "blkio_config",
                                                        "cgroup",
                                                        "cgroup_parent",
                                                        "configs",
                                                        "cpu_count",
                                                        "cpu_percent",
                                                        "cpu_shares",
                                                        "cpu_period",
                                                        "cpu_quota",
                                                        "cpu_rt_runtime",
                                                        "cpu_rt_period",
                                                        "cpus",
                                                        "cpuset",
                                                        "credential_spec",
                                                        "deploy",
                                                        "develop",
                                                        "device_cgroup_rules",
                                                        "dns_opt",
                                                        "dns_search",
                                                        "external_links",
                                                        "gpus",
                                                        "group_add",
                                                        "isolation",
                                                        "links",
                                                        "logging",
                                                        "mac_address",
                                                        "mem_reservation",
                                                        "mem_swappiness",
                                                        "memswap_limit",
                                                        "oom_kill_disable",
                                                        "oom_score_adj",
                                                        "pids_limit",
                                                        "post_start",
                                                        "pre_stop",
                                                        "runtime",
                                                        "scale",
                                                        "secrets",
                                                        "storage_opt",
                                                        "userns_mode",
                                                        "uts",
                                                        "volumes_from",
                                                        "label_file",
                                                        "use_api_socket"};

bool is_extension(const std::string& key) {
    return key.rfind("x-", 0) == 0;
}

class Normalizer {
  public:
    Normalizer(const std::string& base_directory, Diagnostics& diagnostics)
        : base_directory_(base_directory), diagnostics_(diagnostics) {}

    void file(Node& root) {
        if (root.is_null()) {
            error(root, "", "the file is empty; expected a mapping with a 'services' key");
            return;
        }
        if (!root.is_mapping()) {
            error(root, "", "expected a mapping at the top of the file, got " + describe(root));
            return;
        }
        check_keys(root, "", top_level_keys, unsupported_top_level_keys, "top-level key");
        if (Node* version = root.find("version")) {
            scalar_string(*version, "version");
        }
        if (Node* name = root.find("name")) {
            scalar_string(*name, "name");
        }
        if (Node* services = root.find("services")) {
            if (services->is_null()) {
                *services = Node::make_mapping(services->location);
            } else if (!services->is_mapping()) {
                error(*services, "services",
                      "expected a mapping of services, got " + describe(*services));
                root.erase("services");
            } else {
                for (auto& entry : services->entries) {
                    const std::string path = child_path("services", entry.key);
                    if (!valid_service_name(entry.key)) {
                        diagnostics_.add(entry.key_location, path,
                                         "invalid service name '" + entry.key +
                                             "': use letters, digits, '_', '.' and '-', "
                                             "starting with a letter or digit");
                    }
                    service(entry.value, path);
                }
            }
        }
        top_level_resources(root, "networks", true);
        top_level_resources(root, "volumes", false);
    }

    void service(Node& node, const std::string& path) {
        if (node.is_null()) {
            node = Node::make_mapping(node.location);
        }
        if (!node.is_mapping()) {
            error(node, path, "expected a mapping describing the service, got " + describe(node));
            node = Node::make_mapping(node.location);
            return;
        }
        check_keys(node, path, service_keys, unsupported_service_keys, "service key");
        for (auto& entry : node.entries) {
            if (is_extension(entry.key)) {
                continue;
            }
            service_key(entry.key, entry.value, child_path(path, entry.key));
        }
        // A null value resets a key (useful in override files); it is the same
        // as not writing the key.
        std::erase_if(node.entries, [](const Entry& entry) { return entry.value.is_null(); });
    }

  private:
    void error(const Node& node, const std::string& path, std::string message) {
        diagnostics_.add(node.location, path, std::move(message));
    }

    void check_keys(Node& node, const std::string& path, const std::vector<std::string>& known,
                    const std::set<std::string>& unsupported, const std::string& what) {
        std::vector<Entry> kept;
        for (auto& entry : node.entries) {
            const bool is_known = is_extension(entry.key) ||
                                  std::find(known.begin(), known.end(), entry.key) != known.end();
            if (is_known) {
                kept.push_back(std::move(entry));
                continue;
            }
            const std::string entry_path = child_path(path, entry.key);
            if (unsupported.count(entry.key) != 0) {
                diagnostics_.add(
                    entry.key_location, entry_path,
                    "'" + entry.key + "' is a compose " + what + " that berth does not support");
                continue;
            }
            std::string message = "unknown " + what + " '" + entry.key + "'";
            const std::string suggestion = closest_key(entry.key, known);
            if (!suggestion.empty()) {
                message += " (did you mean '" + suggestion + "'?)";
            }
            diagnostics_.add(entry.key_location, entry_path, message);
        }
        node.entries = std::move(kept);
    }

    void service_key(const std::string& key, Node& value, const std::string& path) {
        if (value.is_null()) {
            return;
        }
        if (key == "image" || key == "container_name" || key == "hostname" || key == "domainname" ||
            key == "user" || key == "working_dir" || key == "network_mode" ||
            key == "stop_signal" || key == "platform" || key == "pid" || key == "ipc") {
            scalar_string(value, path);
            if (key == "container_name" && value.is_scalar() &&
                !valid_container_name(value.scalar)) {
                error(value, path,
                      "invalid container name '" + value.scalar +
                          "': use letters, digits, '_', '.' and '-', starting with a letter or "
                          "digit");
            }
        } else if (key == "init" || key == "privileged" || key == "read_only" || key == "tty" ||
                   key == "stdin_open") {
            boolean(value, path);
        } else if (key == "restart") {
            restart(value, path);
        } else if (key == "pull_policy") {
            one_of(value, path, {"always", "never", "missing", "build", "if_not_present"});
        } else if (key == "stop_grace_period") {
            duration(value, path);
        } else if (key == "shm_size" || key == "mem_limit") {
            byte_size(value, path);
        } else if (key == "command" || key == "entrypoint") {
            command(value, path);
        } else if (key == "environment") {
            string_map(value, path, true);
        } else if (key == "labels" || key == "sysctls") {
            string_map(value, path, false);
        } else if (key == "cap_add" || key == "cap_drop" || key == "security_opt" ||
                   key == "devices" || key == "dns" || key == "tmpfs") {
            string_list(value, path, true);
        } else if (key == "profiles") {
            string_list(value, path, false);
        } else if (key == "expose") {
            expose(value, path);
        } else if (key == "extra_hosts") {
            extra_hosts(value, path);
        } else if (key == "env_file") {
            env_file(value, path);
        } else if (key == "ports") {
            ports(value, path);
        } else if (key == "volumes") {
            volumes(value, path);
        } else if (key == "depends_on") {
            depends_on(value, path);
        } else if (key == "networks") {
            service_networks(value, path);
        } else if (key == "build") {
            build(value, path);
        } else if (key == "healthcheck") {
            healthcheck(value, path);
        } else if (key == "ulimits") {
            ulimits(value, path);
        } else if (key == "extends") {
            extends(value, path);
        }
    }

    // ---- scalars ----------------------------------------------------------

    bool scalar_string(Node& value, const std::string& path) {
        if (!value.is_scalar()) {
            error(value, path, "expected a string, got " + describe(value));
            return false;
        }
        return true;
    }

    bool boolean(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            if (auto parsed = parse_boolean(value.scalar)) {
                value.scalar = *parsed ? "true" : "false";
                return true;
            }
        }
        error(value, path, "expected true or false, got " + describe(value));
        return false;
    }

    bool integer(Node& value, const std::string& path, long long minimum, long long maximum) {
        if (value.is_scalar()) {
            if (auto parsed = parse_integer(value.scalar)) {
                if (*parsed < minimum || *parsed > maximum) {
                    error(value, path,
                          "expected an integer from " + std::to_string(minimum) + " to " +
                              std::to_string(maximum) + ", got " + value.scalar);
                    return false;
                }
                value.scalar = std::to_string(*parsed);
                return true;
            }
        }
        error(value, path, "expected an integer, got " + describe(value));
        return false;
    }

    void duration(Node& value, const std::string& path) {
        if (value.is_scalar() && parse_duration(value.scalar)) {
            return;
        }
        error(value, path, "expected a duration like 30s, 1m30s or 500ms, got " + describe(value));
    }

    void byte_size(Node& value, const std::string& path) {
        if (value.is_scalar() && parse_byte_size(value.scalar)) {
            return;
        }
        error(value, path, "expected a byte size like 64m, 1g or 512k, got " + describe(value));
    }

    void one_of(Node& value, const std::string& path, const std::vector<std::string>& allowed) {
        if (value.is_scalar() &&
            std::find(allowed.begin(), allowed.end(), value.scalar) != allowed.end()) {
            return;
        }
        std::string list;
        for (const auto& option : allowed) {
            list += (list.empty() ? "" : ", ") + option;
        }
        error(value, path, "expected one of " + list + ", got " + describe(value));
    }

    void restart(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            const std::string& text = value.scalar;
            if (text == "no" || text == "always" || text == "unless-stopped" ||
                text == "on-failure") {
                return;
            }
            if (text.rfind("on-failure:", 0) == 0 && parse_integer(text.substr(11)) &&
                *parse_integer(text.substr(11)) >= 0) {
                return;
            }
            // YAML 1.1 readers turn an unquoted `no` into false.
            if (value.plain && text == "false") {
                value.scalar = "no";
                return;
            }
        }
        error(value, path,
              "expected no, always, unless-stopped, on-failure or on-failure:N, got " +
                  describe(value));
    }

    // ---- lists and mappings of strings ------------------------------------

    void string_list(Node& value, const std::string& path, bool string_allowed) {
        if (string_allowed && value.is_scalar()) {
            Node list = Node::make_sequence(value.location);
            list.items.push_back(value);
            value = std::move(list);
            return;
        }
        if (!value.is_sequence()) {
            error(value, path,
                  std::string(string_allowed ? "expected a string or a list of strings"
                                             : "expected a list of strings") +
                      ", got " + describe(value));
            value = Node::make_sequence(value.location);
            return;
        }
        std::vector<Node> kept;
        for (std::size_t index = 0; index < value.items.size(); ++index) {
            Node& item = value.items[index];
            if (!item.is_scalar()) {
                error(item, item_path(path, index), "expected a string, got " + describe(item));
                continue;
            }
            kept.push_back(std::move(item));
        }
        value.items = std::move(kept);
    }

    // environment, labels, sysctls, build args: a mapping, or a list of
    // NAME=VALUE (NAME alone means "no value" for environment and args).
    void string_map(Node& value, const std::string& path, bool null_values_allowed) {
        Node mapping = Node::make_mapping(value.location);
        if (value.is_sequence()) {
            for (std::size_t index = 0; index < value.items.size(); ++index) {
                Node& item = value.items[index];
                const std::string entry_path = item_path(path, index);
                if (!item.is_scalar()) {
                    error(item, entry_path, "expected a NAME=VALUE string, got " + describe(item));
                    continue;
                }
                const auto equals = item.scalar.find('=');
                const std::string name = item.scalar.substr(0, equals);
                if (name.empty()) {
                    error(item, entry_path, "expected NAME=VALUE, the name is empty");
                    continue;
                }
                if (mapping.find(name)) {
                    error(item, entry_path, "'" + name + "' is set twice");
                    continue;
                }
                Node entry_value;
                entry_value.location = item.location;
                if (equals != std::string::npos) {
                    entry_value = Node::make_scalar(item.scalar.substr(equals + 1), item.location);
                } else if (!null_values_allowed) {
                    entry_value = Node::make_scalar("", item.location);
                }
                mapping.entries.push_back(Entry{name, item.location, std::move(entry_value)});
            }
        } else if (value.is_mapping()) {
            for (auto& entry : value.entries) {
                const std::string entry_path = child_path(path, entry.key);
                Node& item = entry.value;
                if (item.is_null()) {
                    if (!null_values_allowed) {
                        item = Node::make_scalar("", item.location);
                    }
                } else if (!item.is_scalar()) {
                    error(item, entry_path,
                          "expected a string, a number or null, got " + describe(item));
                    continue;
                } else if (item.plain && parse_boolean(item.scalar)) {
                    // docker-compose refuses booleans here since YAML readers
                    // disagree on spelling them (True, true, yes); a quoted
                    // value is unambiguous.
                    error(item, entry_path,
                          "got the boolean " + item.scalar +
                              ", expected a string, a number or null (quote it: \"" + item.scalar +
                              "\")");
                    continue;
                } else {
                    item.plain = false;
                }
                mapping.entries.push_back(std::move(entry));
            }
        } else {
            error(value, path,
                  "expected a mapping or a list of NAME=VALUE strings, got " + describe(value));
        }
        value = std::move(mapping);
    }

    void expose(Node& value, const std::string& path) {
        string_list(value, path, false);
        for (std::size_t index = 0; index < value.items.size(); ++index) {
            Node& item = value.items[index];
            std::string text = item.scalar;
            const auto slash = text.find('/');
            if (slash != std::string::npos) {
                const std::string protocol = text.substr(slash + 1);
                text = text.substr(0, slash);
                if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
                    error(item, item_path(path, index),
                          "unknown protocol '" + protocol + "', expected tcp, udp or sctp");
                    continue;
                }
            }
            if (!parse_port_range(text)) {
                error(item, item_path(path, index),
                      "expected a port or port range like 80 or 8000-8010, got '" + item.scalar +
                          "'");
            }
            item.plain = false;
        }
    }

    void extra_hosts(Node& value, const std::string& path) {
        if (value.is_mapping()) {
            Node list = Node::make_sequence(value.location);
            for (auto& entry : value.entries) {
                if (!entry.value.is_scalar()) {
                    error(entry.value, child_path(path, entry.key),
                          "expected an IP address, got " + describe(entry.value));
                    continue;
                }
                list.items.push_back(
                    Node::make_scalar(entry.key + ":" + entry.value.scalar, entry.key_location));
            }
            value = std::move(list);
            return;
        }
        string_list(value, path, false);
    }

    void command(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            auto words = split_shell_words(value.scalar);
            if (!words) {
                error(value, path, "a quote is not closed in '" + value.scalar + "'");
                value = Node::make_sequence(value.location);
                return;
            }
            Node list = Node::make_sequence(value.location);
            for (auto& word : *words) {
                list.items.push_back(Node::make_scalar(std::move(word), value.location));
            }
            value = std::move(list);
            return;
        }
        if (!value.is_sequence()) {
            error(value, path, "expected a string or a list of strings, got " + describe(value));
            value = Node::make_sequence(value.location);
            return;
        }
        string_list(value, path, false);
    }

    // ---- paths ------------------------------------------------------------

    std::string absolute_path(const std::string& path) const {
        std::string expanded = path;
        if (expanded == "~" || expanded.rfind("~/", 0) == 0) {
            const char* home = std::getenv("HOME");
            expanded = std::string(home ? home : "") + expanded.substr(1);
        }
        fs::path result(expanded);
        if (result.is_relative()) {
            result = fs::path(base_directory_) / result;
        }
        std::string text = result.lexically_normal().string();
        if (text.size() > 1 && text.back() == '/') {
            text.pop_back();
        }
        return text;
    }

    void env_file(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            Node list = Node::make_sequence(value.location);
            list.items.push_back(value);
            value = std::move(list);
        }
        if (!value.is_sequence()) {
            error(value, path, "expected a path or a list of paths, got " + describe(value));
            value = Node::make_sequence(value.location);
            return;
        }
        std::vector<Node> kept;
        for (std::size_t index = 0; index < value.items.size(); ++index) {
            Node& item = value.items[index];
            const std::string entry_path = item_path(path, index);
            Node canonical = Node::make_mapping(item.location);
            if (item.is_scalar()) {
                canonical.set("path", Node::make_scalar(absolute_path(item.scalar), item.location));
                canonical.set("required", Node::make_scalar("true", item.location, true));
            } else if (item.is_mapping()) {
                check_keys(item, entry_path, {"path", "required", "format"}, {}, "env_file key");
                const Node* file_path = item.find("path");
                if (!file_path || !file_path->is_scalar()) {
                    error(item, entry_path, "expected a 'path' string");
                    continue;
                }
                canonical.set("path", Node::make_scalar(absolute_path(file_path->scalar),
                                                        file_path->location));
                Node required = Node::make_scalar("true", item.location, true);
                if (Node* written = item.find("required")) {
                    if (!boolean(*written, child_path(entry_path, "required"))) {
                        continue;
                    }
                    required = *written;
                }
                canonical.set("required", required);
            } else {
                error(item, entry_path, "expected a path, got " + describe(item));
                continue;
            }
            kept.push_back(std::move(canonical));
        }
        value.items = std::move(kept);
    }

    // ---- ports ------------------------------------------------------------

    struct PortRange {
        int first = 0;
        int last = 0;
        int size() const { return last - first + 1; }
    };

    static std::optional<PortRange> parse_port_range(const std::string& text) {
        const auto dash = text.find('-');
        const auto first = parse_integer(text.substr(0, dash));
        if (!first || *first < 1 || *first > 65535) {
            return std::nullopt;
        }
        if (dash == std::string::npos) {
            return PortRange{static_cast<int>(*first), static_cast<int>(*first)};
        }
        const auto last = parse_integer(text.substr(dash + 1));
        if (!last || *last < *first || *last > 65535) {
            return std::nullopt;
        }
        return PortRange{static_cast<int>(*first), static_cast<int>(*last)};
    }

    Node port_node(const Location& location, int target, const std::string& published,
                   const std::string& host_ip, const std::string& protocol) {
        Node port = Node::make_mapping(location);
        port.set("target", Node::make_scalar(std::to_string(target), location, true));
        if (!published.empty()) {
            port.set("published", Node::make_scalar(published, location));
        }
        if (!host_ip.empty()) {
            port.set("host_ip", Node::make_scalar(host_ip, location));
        }
        port.set("protocol", Node::make_scalar(protocol, location));
        return port;
    }

    // "[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]" with ranges; appends one
    // long-form port per container port.
    void short_port(const Node& item, const std::string& path, std::vector<Node>& out) {
        const std::string& text = item.scalar;
        std::string rest = text;
        std::string protocol = "tcp";
        const auto slash = rest.rfind('/');
        if (slash != std::string::npos) {
            protocol = rest.substr(slash + 1);
            rest = rest.substr(0, slash);
            if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
                error(item, path,
                      "invalid port '" + text + "': unknown protocol '" + protocol +
                          "', expected tcp, udp or sctp");
                return;
            }
        }
        std::string host_ip;
        if (!rest.empty() && rest[0] == '[') {
            const auto close = rest.find("]:");
            if (close == std::string::npos) {
                error(item, path, "invalid port '" + text + "': unterminated IPv6 address");
                return;
            }
            host_ip = rest.substr(1, close - 1);
            rest = rest.substr(close + 2);
        }
        std::vector<std::string> parts;
        std::size_t start = 0;
        while (true) {
            const auto colon = rest.find(':', start);
            parts.push_back(rest.substr(start, colon - start));
            if (colon == std::string::npos) {
                break;
            }
            start = colon + 1;
        }
        std::string published_text;
        if (parts.size() == 3 && host_ip.empty()) {
            host_ip = parts[0];
            published_text = parts[1];
        } else if (parts.size() == 2) {
            published_text = parts[0];
        } else if (parts.size() != 1) {
            error(item, path,
                  "invalid port '" + text +
                      "': expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]");
            return;
        }
        const auto target = parse_port_range(parts.back());
        if (!target) {
            error(item, path,
                  "invalid port '" + text + "': container port '" + parts.back() +
                      "' is not a port (1-65535) or range");
            return;
        }
        // Host port 0 asks the engine to pick one, as an empty host port does.
        if (published_text == "0") {
            published_text.clear();
        }
        if (published_text.empty()) {
            for (int port = target->first; port <= target->last; ++port) {
                out.push_back(port_node(item.location, port, "", host_ip, protocol));
            }
            return;
        }
        const auto published = parse_port_range(published_text);
        if (!published) {
            error(item, path,
                  "invalid port '" + text + "': host port '" + published_text +
                      "' is not a port (1-65535) or range");
            return;
        }
        if (target->size() == 1) {
            out.push_back(
                port_node(item.location, target->first, published_text, host_ip, protocol));
            return;
        }
        if (published->size() != target->size()) {
            error(item, path,
                  "invalid port '" + text + "': the host range has " +
                      std::to_string(published->size()) + " ports and the container range " +
                      std::to_string(target->size()));
            return;
        }
        for (int offset = 0; offset < target->size(); ++offset) {
            out.push_back(port_node(item.location, target->first + offset,
                                    std::to_string(published->first + offset), host_ip, protocol));
        }
    }

    void long_port(Node& item, const std::string& path, std::vector<Node>& out) {
        check_keys(item, path,
                   {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"},
                   {}, "port key");
        Node* target = item.find("target");
        if (!target) {
            error(item, path, "a port needs 'target', the container port");
            return;
        }
        bool ok = integer(*target, child_path(path, "target"), 1, 65535);
        if (Node* published = item.find("published")) {
            if (!published->is_scalar() || !parse_port_range(published->scalar)) {
                error(*published, child_path(path, "published"),
                      "expected a port (1-65535) or range, got " + describe(*published));
                ok = false;
            }
            published->plain = false;
        }
        for (const char* key : {"host_ip", "name", "app_protocol"}) {
            if (Node* text = item.find(key)) {
                ok = scalar_string(*text, child_path(path, key)) && ok;
            }
        }
        if (Node* protocol = item.find("protocol")) {
            one_of(*protocol, child_path(path, "protocol"), {"tcp", "udp", "sctp"});
        } else {
            item.set("protocol", Node::make_scalar("tcp", item.location));
        }
        if (Node* mode = item.find("mode")) {
            one_of(*mode, child_path(path, "mode"), {"host", "ingress"});
        }
        if (ok) {
            out.push_back(std::move(item));
        }
    }

    void ports(Node& value, const std::string& path) {
        entry_list(value, path, "ports", "a port like \"8080:80\" or a mapping with 'target'",
                   &Normalizer::short_port, &Normalizer::long_port);
    }

    /// A list whose entries are a short string or a long mapping, each
    /// expanded into one or more canonical entries (a port range gives
    /// several) that remember where they were written.
    void entry_list(Node& value, const std::string& path, const std::string& plural,
                    const std::string& expected_entry,
                    void (Normalizer::*expand_short)(const Node&, const std::string&,
                                                     std::vector<Node>&),
                    void (Normalizer::*expand_long)(Node&, const std::string&,
                                                    std::vector<Node>&)) {
        if (!value.is_sequence()) {
            error(value, path, "expected a list of " + plural + ", got " + describe(value));
            value = Node::make_sequence(value.location);
            return;
        }
        std::vector<Node> canonical;
        for (std::size_t index = 0; index < value.items.size(); ++index) {
            Node& item = value.items[index];
            const std::string entry_path = item_path(path, index);
            const std::size_t first_new = canonical.size();
            if (item.is_scalar()) {
                (this->*expand_short)(item, entry_path, canonical);
            } else if (item.is_mapping()) {
                (this->*expand_long)(item, entry_path, canonical);
            } else {
                error(item, entry_path, "expected " + expected_entry + ", got " + describe(item));
            }
            for (std::size_t added = first_new; added < canonical.size(); ++added) {
                canonical[added].written_path = entry_path;
            }
        }
        value.items = std::move(canonical);
    }

    // ---- volumes ----------------------------------------------------------

    static bool looks_like_path(const std::string& source) {
        return !source.empty() && (source[0] == '.' || source[0] == '/' || source[0] == '~');
    }

    void short_volume(const Node& item, const std::string& path, std::vector<Node>& out) {
        const std::string& text = item.scalar;
        std::vector<std::string> parts;
        std::size_t start = 0;
        while (true) {
            const auto colon = text.find(':', start);
            parts.push_back(text.substr(start, colon - start));
            if (colon == std::string::npos) {
                break;
            }
            start = colon + 1;
        }
        if (parts.size() > 3 || text.empty()) {
            error(item, path, "invalid volume '" + text + "': expected [SOURCE:]TARGET[:MODE]");
            return;
        }
        std::string source = parts.size() >= 2 ? parts[0] : "";
        const std::string target = parts.size() >= 2 ? parts[1] : parts[0];
        if (target.empty() || target[0] != '/') {
            error(item, path,
                  "invalid volume '" + text + "': the container path '" + target +
                      "' must be absolute");
            return;
        }
        const Location& location = item.location;
        Node volume = Node::make_mapping(location);
        const bool bind = looks_like_path(source);
        volume.set("type", Node::make_scalar(bind ? "bind" : "volume", location));
        if (!source.empty()) {
            volume.set("source",
                       Node::make_scalar(bind ? absolute_path(source) : source, location));
        }
        volume.set("target", Node::make_scalar(target, location));
        bool read_only = false;
        Node bind_options = Node::make_mapping(location);
        Node volume_options = Node::make_mapping(location);
        if (parts.size() == 3) {
            std::string options = parts[2];
            std::size_t option_start = 0;
            while (option_start <= options.size()) {
                const auto comma = options.find(',', option_start);
                const std::string option = options.substr(option_start, comma - option_start);
                option_start = comma == std::string::npos ? options.size() + 1 : comma + 1;
                if (option == "ro") {
                    read_only = true;
                } else if (option == "rw") {
                    read_only = false;
                } else if (option == "z" || option == "Z") {
                    bind_options.set("selinux", Node::make_scalar(option, location));
                } else if (option == "nocopy") {
                    volume_options.set("nocopy", Node::make_scalar("true", location, true));
                } else if (option == "shared" || option == "rshared" || option == "slave" ||
                           option == "rslave" || option == "private" || option == "rprivate") {
                    bind_options.set("propagation", Node::make_scalar(option, location));
                } else if (option == "cached" || option == "delegated" || option == "consistent") {
                    volume.set("consistency", Node::make_scalar(option, location));
                } else {
                    error(item, path,
                          "invalid volume '" + text + "': unknown mode '" + option +
                              "' (known: ro, rw, z, Z, nocopy, shared, rshared, slave, rslave, "
                              "private, rprivate, cached, delegated, consistent)");
                    return;
                }
            }
        }
        volume.set("read_only", Node::make_scalar(read_only ? "true" : "false", location, true));
        if (bind) {
            // The short syntax has always created a missing host folder.
            bind_options.set("create_host_path", Node::make_scalar("true", location, true));
            volume.set("bind", std::move(bind_options));
        } else if (!volume_options.entries.empty()) {
            volume.set("volume", std::move(volume_options));
        }
        out.push_back(std::move(volume));
    }

    void long_volume(Node& item, const std::string& path, std::vector<Node>& out) {
        check_keys(
            item, path,
            {"type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"},
            {"image"}, "volume key");
        Node* type = item.find("type");
        if (!type) {
            error(item, path, "a volume needs 'type': bind, volume or tmpfs");
            return;
        }
        if (!type->is_scalar() ||
            (type->scalar != "bind" && type->scalar != "volume" && type->scalar != "tmpfs")) {
            error(*type, child_path(path, "type"),
                  "expected bind, volume or tmpfs, got " + describe(*type));
            return;
        }
        const std::string kind = type->scalar;
        Node* target = item.find("target");
        if (!target || !target->is_scalar() || target->scalar.empty() || target->scalar[0] != '/') {
            error(target ? *target : item, child_path(path, "target"),
                  "a volume needs 'target', an absolute container path");
            return;
        }
        Node* source = item.find("source");
        if (source && !scalar_string(*source, child_path(path, "source"))) {
            return;
        }
        if (kind == "bind") {
            if (!source) {
                error(item, path, "a bind mount needs 'source', the host path");
                return;
            }
            source->scalar = absolute_path(source->scalar);
        } else if (kind == "tmpfs" && source) {
            error(*source, child_path(path, "source"), "a tmpfs mount has no source");
            return;
        }
        if (Node* read_only = item.find("read_only")) {
            boolean(*read_only, child_path(path, "read_only"));
        } else {
            item.set("read_only", Node::make_scalar("false", item.location, true));
        }
        if (Node* consistency = item.find("consistency")) {
            scalar_string(*consistency, child_path(path, "consistency"));
        }
        if (Node* options = item.find("bind")) {
            const std::string options_path = child_path(path, "bind");
            if (mapping_with_keys(*options, options_path,
                                  {"propagation", "create_host_path", "selinux"})) {
                if (Node* create = options->find("create_host_path")) {
                    boolean(*create, child_path(options_path, "create_host_path"));
                }
                if (Node* propagation = options->find("propagation")) {
                    one_of(*propagation, child_path(options_path, "propagation"),
                           {"shared", "rshared", "slave", "rslave", "private", "rprivate"});
                }
                if (Node* selinux = options->find("selinux")) {
                    one_of(*selinux, child_path(options_path, "selinux"), {"z", "Z"});
                }
            }
        }
        if (Node* options = item.find("volume")) {
            const std::string options_path = child_path(path, "volume");
            if (mapping_with_keys(*options, options_path, {"nocopy", "subpath"})) {
                if (Node* nocopy = options->find("nocopy")) {
                    boolean(*nocopy, child_path(options_path, "nocopy"));
                }
            }
        }
        if (Node* options = item.find("tmpfs")) {
            const std::string options_path = child_path(path, "tmpfs");
            if (mapping_with_keys(*options, options_path, {"size", "mode"})) {
                if (Node* size = options->find("size")) {
                    byte_size(*size, child_path(options_path, "size"));
                }
                if (Node* mode = options->find("mode")) {
                    integer(*mode, child_path(options_path, "mode"), 0, 07777);
                }
            }
        }
        out.push_back(std::move(item));
    }

    bool mapping_with_keys(Node& node, const std::string& path,
                           const std::vector<std::string>& keys) {
        if (!node.is_mapping()) {
            error(node, path, "expected a mapping, got " + describe(node));
            return false;
        }
        check_keys(node, path, keys, {}, "key");
        return true;
    }

    void volumes(Node& value, const std::string& path) {
        entry_list(value, path, "volumes",
                   "a volume like \"./data:/data:ro\" or a mapping with 'type' and 'target'",
                   &Normalizer::short_volume, &Normalizer::long_volume);
    }

    // ---- dependencies and networks ----------------------------------------

    void depends_on(Node& value, const std::string& path) {
        Node mapping = Node::make_mapping(value.location);
        if (value.is_sequence()) {
            for (std::size_t index = 0; index < value.items.size(); ++index) {
                Node& item = value.items[index];
                const std::string entry_path = item_path(path, index);
                if (!item.is_scalar()) {
                    error(item, entry_path, "expected a service name, got " + describe(item));
                    continue;
                }
                if (mapping.find(item.scalar)) {
                    error(item, entry_path, "'" + item.scalar + "' is listed twice");
                    continue;
                }
                Node dependency = Node::make_mapping(item.location);
                dependency.set("condition", Node::make_scalar("service_started", item.location));
                dependency.set("required", Node::make_scalar("true", item.location, true));
                mapping.entries.push_back(Entry{item.scalar, item.location, std::move(dependency)});
            }
        } else if (value.is_mapping()) {
            for (auto& entry : value.entries) {
                const std::string entry_path = child_path(path, entry.key);
                Node& dependency = entry.value;
                if (!dependency.is_mapping()) {
                    error(dependency, entry_path,
                          "expected a mapping with 'condition', got " + describe(dependency));
                    continue;
                }
                check_keys(dependency, entry_path, {"condition", "required", "restart"}, {},
                           "depends_on key");
                if (Node* condition = dependency.find("condition")) {
                    one_of(
                        *condition, child_path(entry_path, "condition"),
                        {"service_started", "service_healthy", "service_completed_successfully"});
                } else {
                    dependency.set("condition",
                                   Node::make_scalar("service_started", dependency.location));
                }
                if (Node* required = dependency.find("required")) {
                    boolean(*required, child_path(entry_path, "required"));
                } else {
                    dependency.set("required",
                                   Node::make_scalar("true", dependency.location, true));
                }
                if (Node* restart_flag = dependency.find("restart")) {
                    boolean(*restart_flag, child_path(entry_path, "restart"));
                }
                mapping.entries.push_back(std::move(entry));
            }
        } else {
            error(value, path,
                  "expected a list of service names or a mapping, got " + describe(value));
        }
        value = std::move(mapping);
    }

    void service_networks(Node& value, const std::string& path) {
        Node mapping = Node::make_mapping(value.location);
        if (value.is_sequence()) {
            for (std::size_t index = 0; index < value.items.size(); ++index) {
                Node& item = value.items[index];
                if (!item.is_scalar()) {
                    error(item, item_path(path, index),
                          "expected a network name, got " + describe(item));
                    continue;
                }
                mapping.entries.push_back(
                    Entry{item.scalar, item.location, Node::make_mapping(item.location)});
            }
        } else if (value.is_mapping()) {
            for (auto& entry : value.entries) {
                const std::string entry_path = child_path(path, entry.key);
                Node& network = entry.value;
                if (network.is_null()) {
                    network = Node::make_mapping(entry.key_location);
                } else if (!mapping_with_keys(
                               network, entry_path,
                               {"aliases", "ipv4_address", "ipv6_address", "priority"})) {
                    continue;
                }
                if (Node* aliases = network.find("aliases")) {
                    string_list(*aliases, child_path(entry_path, "aliases"), false);
                }
                for (const char* key : {"ipv4_address", "ipv6_address"}) {
                    if (Node* address = network.find(key)) {
                        scalar_string(*address, child_path(entry_path, key));
                    }
                }
                if (Node* priority = network.find("priority")) {
                    integer(*priority, child_path(entry_path, "priority"), -1000000, 1000000);
                }
                mapping.entries.push_back(std::move(entry));
            }
        } else {
            error(value, path,
                  "expected a list of network names or a mapping, got " + describe(value));
        }
        value = std::move(mapping);
    }

    // ---- build, healthcheck, ulimits, extends -----------------------------

    static bool looks_like_url(const std::string& context) {
        return context.find("://") != std::string::npos || context.rfind("git@", 0) == 0 ||
               context.rfind("github.com/", 0) == 0;
    }

    void build(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            Node mapping = Node::make_mapping(value.location);
            mapping.set("context", value);
            value = std::move(mapping);
        } else if (!mapping_with_keys(value, path,
                                      {"context", "dockerfile", "args", "target", "labels",
                                       "cache_from", "network", "shm_size"})) {
            value = Node::make_mapping(value.location);
            return;
        }
        Node* context = value.find("context");
        if (!context) {
            value.set("context", Node::make_scalar(".", value.location));
            context = value.find("context");
        }
        if (scalar_string(*context, child_path(path, "context")) &&
            !looks_like_url(context->scalar)) {
            context->scalar = absolute_path(context->scalar);
        }
        for (const char* key : {"dockerfile", "target", "network"}) {
            if (Node* text = value.find(key)) {
                scalar_string(*text, child_path(path, key));
            }
        }
        if (Node* args = value.find("args")) {
            string_map(*args, child_path(path, "args"), true);
        }
        if (Node* labels = value.find("labels")) {
            string_map(*labels, child_path(path, "labels"), false);
        }
        if (Node* cache_from = value.find("cache_from")) {
            string_list(*cache_from, child_path(path, "cache_from"), false);
        }
        if (Node* shm_size = value.find("shm_size")) {
            byte_size(*shm_size, child_path(path, "shm_size"));
        }
    }

    void healthcheck(Node& value, const std::string& path) {
        if (!mapping_with_keys(value, path,
                               {"test", "interval", "timeout", "retries", "start_period",
                                "start_interval", "disable"})) {
            value = Node::make_mapping(value.location);
            return;
        }
        if (Node* test = value.find("test")) {
            const std::string test_path = child_path(path, "test");
            if (test->is_scalar()) {
                Node list = Node::make_sequence(test->location);
                list.items.push_back(Node::make_scalar("CMD-SHELL", test->location));
                list.items.push_back(*test);
                *test = std::move(list);
            } else if (test->is_sequence()) {
                string_list(*test, test_path, false);
                if (test->items.empty()) {
                    error(*test, test_path,
                          "the test list is empty; start it with CMD, CMD-SHELL or NONE");
                } else {
                    const std::string& first = test->items[0].scalar;
                    if (first != "CMD" && first != "CMD-SHELL" && first != "NONE") {
                        error(
                            test->items[0], item_path(test_path, 0),
                            "a test list starts with CMD, CMD-SHELL or NONE, got '" + first + "'");
                    } else if (first == "CMD-SHELL" && test->items.size() != 2) {
                        error(*test, test_path,
                              "CMD-SHELL takes exactly one command string after it");
                    } else if (first == "CMD" && test->items.size() < 2) {
                        error(*test, test_path, "CMD needs the program to run after it");
                    }
                }
            } else {
                error(*test, test_path, "expected a string or a list, got " + describe(*test));
            }
        }
        for (const char* key : {"interval", "timeout", "start_period", "start_interval"}) {
            if (Node* period = value.find(key)) {
                duration(*period, child_path(path, key));
            }
        }
        if (Node* retries = value.find("retries")) {
            integer(*retries, child_path(path, "retries"), 0, 1000000);
        }
        if (Node* disable = value.find("disable")) {
            boolean(*disable, child_path(path, "disable"));
        }
    }

    void ulimits(Node& value, const std::string& path) {
        if (!value.is_mapping()) {
            error(value, path, "expected a mapping of limits, got " + describe(value));
            value = Node::make_mapping(value.location);
            return;
        }
        std::vector<Entry> kept;
        for (auto& entry : value.entries) {
            const std::string entry_path = child_path(path, entry.key);
            Node& limit = entry.value;
            if (limit.is_scalar()) {
                Node both = limit;
                if (!integer(both, entry_path, -1, INT64_MAX)) {
                    continue;
                }
                limit = Node::make_mapping(limit.location);
                limit.set("soft", both);
                limit.set("hard", both);
            } else if (mapping_with_keys(limit, entry_path, {"soft", "hard"})) {
                Node* soft = limit.find("soft");
                Node* hard = limit.find("hard");
                if (!soft || !hard) {
                    error(limit, entry_path, "a limit mapping needs both 'soft' and 'hard'");
                    continue;
                }
                const bool ok = integer(*soft, child_path(entry_path, "soft"), -1, INT64_MAX) &&
                                integer(*hard, child_path(entry_path, "hard"), -1, INT64_MAX);
                if (!ok) {
                    continue;
                }
                if (*parse_integer(soft->scalar) > *parse_integer(hard->scalar) &&
                    hard->scalar != "-1") {
                    error(limit, entry_path,
                          "the soft limit " + soft->scalar + " is above the hard limit " +
                              hard->scalar);
                    continue;
                }
            } else {
                continue;
            }
            kept.push_back(std::move(entry));
        }
        value.entries = std::move(kept);
    }

    void extends(Node& value, const std::string& path) {
        if (value.is_scalar()) {
            Node mapping = Node::make_mapping(value.location);
            mapping.set("service", value);
            value = std::move(mapping);
            return;
        }
        if (!mapping_with_keys(value, path, {"service", "file"})) {
            value = Node::make_mapping(value.location);
            return;
        }
        Node* service_name = value.find("service");
        if (!service_name) {
            error(value, path, "extends needs 'service', the name of the service to extend");
            return;
        }
        scalar_string(*service_name, child_path(path, "service"));
        if (Node* file_name = value.find("file")) {
            if (scalar_string(*file_name, child_path(path, "file"))) {
                file_name->scalar = absolute_path(file_name->scalar);
            }
        }
    }

    // ---- top-level networks and volumes -----------------------------------

    void top_level_resources(Node& root, const std::string& section, bool is_network) {
        Node* resources = root.find(section);
        if (!resources) {
            return;
        }
        if (resources->is_null()) {
            *resources = Node::make_mapping(resources->location);
            return;
        }
        if (!resources->is_mapping()) {
            error(*resources, section, "expected a mapping, got " + describe(*resources));
            root.erase(section);
            return;
        }
        std::vector<std::string> keys = {"name", "driver", "driver_opts", "external", "labels"};
        if (is_network) {
            keys.insert(keys.end(), {"internal", "attachable", "enable_ipv6", "ipam"});
        }
        for (auto& entry : resources->entries) {
            const std::string path = child_path(section, entry.key);
            Node& resource = entry.value;
            if (resource.is_null()) {
                resource = Node::make_mapping(entry.key_location);
                continue;
            }
            if (!mapping_with_keys(resource, path, keys)) {
                resource = Node::make_mapping(entry.key_location);
                continue;
            }
            for (const char* key : {"name", "driver"}) {
                if (Node* text = resource.find(key)) {
                    scalar_string(*text, child_path(path, key));
                }
            }
            if (Node* options = resource.find("driver_opts")) {
                string_map(*options, child_path(path, "driver_opts"), false);
            }
            if (Node* labels = resource.find("labels")) {
                string_map(*labels, child_path(path, "labels"), false);
            }
            if (Node* external = resource.find("external")) {
                // The old form `external: {name: x}` names the existing object.
                if (external->is_mapping()) {
                    check_keys(*external, child_path(path, "external"), {"name"}, {}, "key");
                    if (Node* name = external->find("name")) {
                        resource.set("name", *name);
                    }
                    *resource.find("external") =
                        Node::make_scalar("true", external->location, true);
                } else {
                    boolean(*external, child_path(path, "external"));
                }
            }
            for (const char* key : {"internal", "attachable", "enable_ipv6"}) {
                if (Node* flag = resource.find(key)) {
                    boolean(*flag, child_path(path, key));
                }
            }
            if (Node* ipam = resource.find("ipam")) {
                ipam_config(*ipam, child_path(path, "ipam"));
            }
        }
    }

    void ipam_config(Node& ipam, const std::string& path) {
        if (!mapping_with_keys(ipam, path, {"driver", "config", "options"})) {
            return;
        }
        if (Node* driver = ipam.find("driver")) {
            scalar_string(*driver, child_path(path, "driver"));
        }
        if (Node* options = ipam.find("options")) {
            string_map(*options, child_path(path, "options"), false);
        }
        if (Node* config = ipam.find("config")) {
            const std::string config_path = child_path(path, "config");
            if (!config->is_sequence()) {
                error(*config, config_path, "expected a list of pools, got " + describe(*config));
                return;
            }
            for (std::size_t index = 0; index < config->items.size(); ++index) {
                Node& pool = config->items[index];
                const std::string pool_path = item_path(config_path, index);
                if (!mapping_with_keys(pool, pool_path,
                                       {"subnet", "ip_range", "gateway", "aux_addresses"})) {
                    continue;
                }
                for (const char* key : {"subnet", "ip_range", "gateway"}) {
                    if (Node* text = pool.find(key)) {
                        scalar_string(*text, child_path(pool_path, key));
                    }
                }
                if (Node* aux = pool.find("aux_addresses")) {
                    string_map(*aux, child_path(pool_path, "aux_addresses"), false);
                }
            }
        }
    }

    static bool valid_service_name(const std::string& name) {
        if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) {
            return false;
        }
        return std::all_of(name.begin(), name.end(), [](char character) {
            return std::isalnum(static_cast<unsigned char>(character)) || character == '_' ||
                   character == '.' || character == '-';
        });
    }

    static bool valid_container_name(const std::string& name) { return valid_service_name(name); }

    const std::string& base_directory_;
    Diagnostics& diagnostics_;
};

std::size_t edit_distance(const std::string& first, const std::string& second) {
    std::vector<std::size_t> previous(second.size() + 1);
    std::vector<std::size_t> current(second.size() + 1);
    for (std::size_t column = 0; column <= second.size(); ++column) {
        previous[column] = column;
    }
    for (std::size_t row = 1; row <= first.size(); ++row) {
        current[0] = row;
        for (std::size_t column = 1; column <= second.size(); ++column) {
            const std::size_t substitution =
                previous[column - 1] + (first[row - 1] == second[column - 1] ? 0 : 1);
            current[column] =
                std::min({previous[column] + 1, current[column - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[second.size()];
}

}  // namespace

std::string closest_key(const std::string& key, const std::vector<std::string>& known) {
    std::string best;
    std::size_t best_distance = 3;  // more than two edits is a different word
    for (const auto& candidate : known) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::optional<bool> parse_boolean(const std::string& text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

std::optional<long long> parse_integer(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t start = text[0] == '-' ? 1 : 0;
    if (start == text.size()) {
        return std::nullopt;
    }
    long long value = 0;
    for (std::size_t index = start; index < text.size(); ++index) {
        if (!std::isdigit(static_cast<unsigned char>(text[index]))) {
            return std::nullopt;
        }
        const int digit = text[index] - '0';
        if (value > (std::numeric_limits<long long>::max() - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return start == 1 ? -value : value;
}

void normalize_file(Node& root, const std::string& base_directory, Diagnostics& diagnostics) {
    Normalizer(base_directory, diagnostics).file(root);
}

void normalize_service(Node& service, const std::string& key_path,
                       const std::string& base_directory, Diagnostics& diagnostics) {
    Normalizer(base_directory, diagnostics).service(service, key_path);
}

}  // namespace berth::compose::detail
