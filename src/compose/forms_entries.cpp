#include <optional>

#include "forms.hpp"

namespace berth::compose::detail {

extern const Schema port_schema;
extern const Schema service_volume_schema;

namespace {

struct PortRange {
    int first = 0;
    int last = 0;
    int size() const { return last - first + 1; }
};

std::optional<PortRange> parse_port_range(const std::string& text) {
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

// The parts of "[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]"; an error message
// (without the "invalid port" prefix) when the text has no such shape.
struct PortText {
    std::string host_ip;
    std::string published;
    std::string target;
    std::string protocol = "tcp";
    std::string problem;
};

std::vector<std::string> split_colons(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos) {
            return parts;
        }
        start = colon + 1;
    }
}

PortText split_port(const std::string& text) {
    PortText port;
    std::string rest = text;
    const auto slash = rest.rfind('/');
    if (slash != std::string::npos) {
        port.protocol = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (port.protocol != "tcp" && port.protocol != "udp" && port.protocol != "sctp") {
            port.problem = "unknown protocol '" + port.protocol + "', expected tcp, udp or sctp";
            return port;
        }
    }
    if (!rest.empty() && rest[0] == '[') {
        const auto close = rest.find("]:");
        if (close == std::string::npos) {
            port.problem = "unterminated IPv6 address";
            return port;
        }
        port.host_ip = rest.substr(1, close - 1);
        rest = rest.substr(close + 2);
    }
    const std::vector<std::string> parts = split_colons(rest);
    if (parts.size() == 3 && port.host_ip.empty()) {
        port.host_ip = parts[0];
        port.published = parts[1];
    } else if (parts.size() == 2) {
        port.published = parts[0];
    } else if (parts.size() != 1) {
        port.problem = "expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]";
        return port;
    }
    port.target = parts.back();
    return port;
}

// "[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]" with ranges; appends one
// long-form port per container port.
void short_port(Normalizer& normalizer, const Node& item, const std::string& path,
                std::vector<Node>& out) {
    const std::string& text = item.scalar;
    PortText parts = split_port(text);
    if (!parts.problem.empty()) {
        normalizer.error(item, path, "invalid port '" + text + "': " + parts.problem);
        return;
    }
    const std::string& host_ip = parts.host_ip;
    const std::string& protocol = parts.protocol;
    std::string published_text = parts.published;
    const auto target = parse_port_range(parts.target);
    if (!target) {
        normalizer.error(item, path,
                         "invalid port '" + text + "': container port '" + parts.target +
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
        normalizer.error(item, path,
                         "invalid port '" + text + "': host port '" + published_text +
                             "' is not a port (1-65535) or range");
        return;
    }
    if (target->size() == 1) {
        out.push_back(port_node(item.location, target->first, published_text, host_ip, protocol));
        return;
    }
    if (published->size() != target->size()) {
        normalizer.error(item, path,
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

void long_port(Normalizer& normalizer, Node& item, const std::string& path,
               std::vector<Node>& out) {
    if (!item.find("target")) {
        normalizer.mapping(item, port_schema, path);
        normalizer.error(item, path, "a port needs 'target', the container port");
        return;
    }
    const std::size_t errors_before = normalizer.error_count();
    normalizer.mapping(item, port_schema, path);
    if (!item.find("target") || normalizer.error_count() != errors_before) {
        return;
    }
    if (!item.find("protocol")) {
        item.set("protocol", Node::make_scalar("tcp", item.location));
    }
    out.push_back(std::move(item));
}

bool looks_like_path(const std::string& source) {
    return !source.empty() && (source[0] == '.' || source[0] == '/' || source[0] == '~');
}

void short_volume(Normalizer& normalizer, const Node& item, const std::string& path,
                  std::vector<Node>& out) {
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
        normalizer.error(item, path,
                         "invalid volume '" + text + "': expected [SOURCE:]TARGET[:MODE]");
        return;
    }
    std::string source = parts.size() >= 2 ? parts[0] : "";
    const std::string target = parts.size() >= 2 ? parts[1] : parts[0];
    if (target.empty() || target[0] != '/') {
        normalizer.error(
            item, path,
            "invalid volume '" + text + "': the container path '" + target + "' must be absolute");
        return;
    }
    const Location& location = item.location;
    Node volume = Node::make_mapping(location);
    const bool bind = looks_like_path(source);
    volume.set("type", Node::make_scalar(bind ? "bind" : "volume", location));
    if (!source.empty()) {
        volume.set("source",
                   Node::make_scalar(bind ? normalizer.absolute_path(source) : source, location));
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
                normalizer.error(
                    item, path,
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

void long_volume(Normalizer& normalizer, Node& item, const std::string& path,
                 std::vector<Node>& out) {
    const bool typed = item.find("type") != nullptr;
    normalizer.mapping(item, service_volume_schema, path);
    if (!typed) {
        normalizer.error(item, path,
                         "a volume needs 'type': bind, volume, tmpfs, image, npipe or cluster");
        return;
    }
    const Node* type = item.find("type");
    if (!type) {
        return;  // an invalid type was reported
    }
    const std::string kind = type->scalar;
    Node* target = item.find("target");
    if (!target || target->scalar.empty() || target->scalar[0] != '/') {
        normalizer.error(target ? *target : item, child_path(path, "target"),
                         "a volume needs 'target', an absolute container path");
        return;
    }
    Node* source = item.find("source");
    if ((kind == "bind" || kind == "image") && !source) {
        normalizer.error(item, path,
                         kind == "bind" ? "a bind mount needs 'source', the host path"
                                        : "an image mount needs 'source', the image");
        return;
    }
    if (kind == "bind") {
        source->scalar = normalizer.absolute_path(source->scalar);
    } else if (kind == "tmpfs" && source) {
        normalizer.error(*source, child_path(path, "source"), "a tmpfs mount has no source");
        return;
    }
    if (!item.find("read_only")) {
        item.set("read_only", Node::make_scalar("false", item.location, true));
    }
    out.push_back(std::move(item));
}

}  // namespace

bool is_port_range(const std::string& text) {
    return parse_port_range(text).has_value();
}

bool published_port(Normalizer& normalizer, Node& value, const std::string& path) {
    if (!value.is_scalar() || !parse_port_range(value.scalar)) {
        normalizer.error(value, path, "expected a port (1-65535) or range, got " + describe(value));
        return false;
    }
    value.plain = false;
    return true;
}

bool port_list(Normalizer& normalizer, Node& value, const std::string& path) {
    return normalizer.entry_list(value, path, "ports",
                                 "a port like \"8080:80\" or a mapping with 'target'", short_port,
                                 long_port);
}

bool service_volume_list(Normalizer& normalizer, Node& value, const std::string& path) {
    return normalizer.entry_list(
        value, path, "volumes",
        "a volume like \"./data:/data:ro\" or a mapping with 'type' and 'target'", short_volume,
        long_volume);
}

bool env_file_finish(Normalizer& normalizer, Node& value, const std::string& path) {
    Node* file = value.find("path");
    if (!file) {
        normalizer.error(value, path, "expected a 'path' string");
        return false;
    }
    file->scalar = normalizer.absolute_path(file->scalar);
    if (!value.find("required")) {
        value.set("required", Node::make_scalar("true", value.location, true));
    }
    return true;
}

}  // namespace berth::compose::detail
