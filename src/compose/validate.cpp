#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "stages.hpp"

namespace berth::compose::detail {

namespace {

class ProjectValidator {
  public:
    ProjectValidator(const Node& root, const Node& disabled, Diagnostics& diagnostics)
        : root_(root), disabled_(disabled), diagnostics_(diagnostics) {
        static const Node empty = Node::make_mapping(Location{});
        services_ = root.find("services") ? root.find("services") : &empty;
        networks_ = root.find("networks") ? root.find("networks") : &empty;
        volumes_ = root.find("volumes") ? root.find("volumes") : &empty;
    }

    void run() {
        // A file of only networks or volumes (say, shared by other projects)
        // is a project the spec allows; one with nothing at all is a mistake.
        const bool has_resources =
            std::any_of(root_.entries.begin(), root_.entries.end(), [](const Entry& entry) {
                return entry.key != "services" && entry.key.rfind("x-", 0) != 0 &&
                       entry.value.is_mapping() && !entry.value.entries.empty();
            });
        if (services_->entries.empty() && disabled_.entries.empty() && !has_resources) {
            const Entry* section = root_.find_entry("services");
            diagnostics_.add(section ? section->key_location : root_.location, "services",
                             "the project defines nothing: no services, and no networks, volumes, "
                             "secrets, configs or models");
        }
        std::map<std::string, std::string> container_names;
        std::map<std::string, std::string> host_ports;
        for (const auto& entry : services_->entries) {
            service(entry.key, entry.value, container_names);
            published_ports(entry.key, entry.value, host_ports);
        }
        cycles();
    }

  private:
    void service(const std::string& name, const Node& service,
                 std::map<std::string, std::string>& container_names) {
        const std::string path = "services." + name;
        const Node* image = service.find("image");
        if (image && image->scalar.empty()) {
            // Usually a variable that is not set: image: "${IMAGE}".
            diagnostics_.add(image->location, path + ".image",
                             "the image name is empty" + unset_variables(*image));
        } else if (!image && !service.find("build") && !service.find("provider")) {
            diagnostics_.add(
                service.location, path,
                "the service has neither 'image' nor 'build' (nor 'provider'); set one of them");
        }
        if (const Node* container_name = service.find("container_name")) {
            auto [existing, inserted] = container_names.emplace(container_name->scalar, name);
            if (!inserted) {
                diagnostics_.add(container_name->location, path + ".container_name",
                                 "container name '" + container_name->scalar +
                                     "' is already used by service '" + existing->second + "'");
            }
        }
        dependencies(name, service, path);
        references(service, path);
        const Node* network_mode = service.find("network_mode");
        if (network_mode) {
            if (service.find("networks")) {
                diagnostics_.add(network_mode->location, path + ".network_mode",
                                 "network_mode cannot be combined with networks");
            }
            const std::string& mode = network_mode->scalar;
            if (mode.rfind("service:", 0) == 0 && !services_->find(mode.substr(8))) {
                diagnostics_.add(
                    network_mode->location, path + ".network_mode",
                    "network_mode refers to undefined service '" + mode.substr(8) + "'");
            }
        }
        if (const Node* networks = service.find("networks")) {
            for (const auto& network : networks->entries) {
                if (network.key != "default" && !networks_->find(network.key)) {
                    diagnostics_.add(network.key_location, path + ".networks." + network.key,
                                     "network '" + network.key +
                                         "' is not declared under the top-level 'networks'");
                }
            }
        }
        if (const Node* volumes = service.find("volumes")) {
            for (std::size_t index = 0; index < volumes->items.size(); ++index) {
                const Node& volume = volumes->items[index];
                const Node* source = volume.find("source");
                if (volume.find("type")->scalar == "volume" && source &&
                    !volumes_->find(source->scalar)) {
                    diagnostics_.add(volume.location,
                                     volume.written_path.empty()
                                         ? item_path(path + ".volumes", index)
                                         : volume.written_path,
                                     "named volume '" + source->scalar +
                                         "' is not declared under the top-level 'volumes'");
                }
            }
        }
    }

    static std::string unset_variables(const Node& value) {
        if (value.unset_variables.empty()) {
            return "";
        }
        std::string names;
        for (const auto& name : value.unset_variables) {
            names += (names.empty() ? "" : ", ") + name;
        }
        return " (" + names + (value.unset_variables.size() == 1 ? " is" : " are") + " not set)";
    }

    // Names a service uses that must be declared: top-level secrets, configs
    // and models, and the services of links and volumes_from.
    void references(const Node& service, const std::string& path) {
        const Node* build = service.find("build");
        for (const auto& [owner, section, owner_path] :
             {std::tuple{&service, "secrets", path}, std::tuple{&service, "configs", path},
              std::tuple{build, "secrets", path + ".build"}}) {
            const Node* list = owner ? owner->find(section) : nullptr;
            const Node* declared = root_.find(section);
            for (std::size_t index = 0; list && index < list->items.size(); ++index) {
                const Node& source = *list->items[index].find("source");
                if (!declared || !declared->find(source.scalar)) {
                    diagnostics_.add(source.location, item_path(owner_path + "." + section, index),
                                     std::string(section).substr(0, 6) + " '" + source.scalar +
                                         "' is not declared under the top-level '" + section + "'");
                }
            }
        }
        if (const Node* models = service.find("models")) {
            const Node* declared = root_.find("models");
            for (const auto& model : models->entries) {
                if (!declared || !declared->find(model.key)) {
                    diagnostics_.add(
                        model.key_location, path + ".models." + model.key,
                        "model '" + model.key + "' is not declared under the top-level 'models'");
                }
            }
        }
        for (const char* key : {"links", "volumes_from"}) {
            const Node* list = service.find(key);
            for (std::size_t index = 0; list && index < list->items.size(); ++index) {
                const Node& item = list->items[index];
                const std::string target = item.scalar.substr(0, item.scalar.find(':'));
                if (target != "container" && !services_->find(target) && !disabled_.find(target)) {
                    diagnostics_.add(
                        item.location, item_path(path + "." + key, index),
                        std::string(key) + " refers to undefined service '" + target + "'");
                }
            }
        }
    }

    // Two services cannot publish the same host port: the engine would fail
    // the second start, after the first service is already up.
    void published_ports(const std::string& name, const Node& service,
                         std::map<std::string, std::string>& host_ports) {
        const Node* ports = service.find("ports");
        if (!ports) {
            return;
        }
        for (std::size_t index = 0; index < ports->items.size(); ++index) {
            const Node& port = ports->items[index];
            const Node* published = port.find("published");
            if (!published || published->scalar.find('-') != std::string::npos) {
                continue;
            }
            const Node* host_ip = port.find("host_ip");
            std::string address = host_ip ? host_ip->scalar : "";
            if (address == "0.0.0.0") {
                address.clear();
            }
            const std::string protocol = port.find("protocol")->scalar;
            const std::string key = address + ":" + published->scalar + "/" + protocol;
            auto [existing, inserted] = host_ports.emplace(key, name);
            if (!inserted) {
                const std::string shown =
                    (address.empty() ? "" : address + ":") + published->scalar + "/" + protocol;
                diagnostics_.add(
                    port.location,
                    port.written_path.empty() ? item_path("services." + name + ".ports", index)
                                              : port.written_path,
                    "host port " + shown + " is already published by " +
                        (existing->second == name ? std::string("this service")
                                                  : "service '" + existing->second + "'"));
            }
        }
    }

    void dependencies(const std::string& name, const Node& service, const std::string& path) {
        const Node* depends_on = service.find("depends_on");
        if (!depends_on) {
            return;
        }
        for (const auto& dependency : depends_on->entries) {
            const std::string entry_path = path + ".depends_on." + dependency.key;
            const bool required = dependency.value.find("required")->scalar == "true";
            if (dependency.key == name) {
                diagnostics_.add(dependency.key_location, entry_path,
                                 "service '" + name + "' depends on itself");
                continue;
            }
            const Node* target = services_->find(dependency.key);
            if (!target) {
                if (!required) {
                    continue;
                }
                if (const Node* off = disabled_.find(dependency.key)) {
                    std::string profiles;
                    for (const auto& profile : off->find("profiles")->items) {
                        profiles += (profiles.empty() ? "" : ", ") + profile.scalar;
                    }
                    diagnostics_.add(
                        dependency.key_location, entry_path,
                        "depends on service '" + dependency.key +
                            "', which no active profile enables (its profiles: " + profiles + ")");
                } else {
                    diagnostics_.add(dependency.key_location, entry_path,
                                     "depends on undefined service '" + dependency.key + "'");
                }
                continue;
            }
            const Node* condition = dependency.value.find("condition");
            if (condition->scalar == "service_healthy" && !has_healthcheck(*target)) {
                diagnostics_.add(condition->location, entry_path + ".condition",
                                 "waits for '" + dependency.key + "' to be healthy, but '" +
                                     dependency.key +
                                     "' has no healthcheck (add one, or use service_started)");
            }
        }
    }

    static bool has_healthcheck(const Node& service) {
        const Node* healthcheck = service.find("healthcheck");
        if (!healthcheck) {
            return false;
        }
        const Node* disable = healthcheck->find("disable");
        if (disable && disable->scalar == "true") {
            return false;
        }
        const Node* test = healthcheck->find("test");
        if (!test || test->items.empty()) {
            return false;
        }
        return test->items[0].scalar != "NONE";
    }

    // Depth-first search; a back edge closes a cycle, printed in order.
    // What a service must wait for: depends_on entries, and the service
    // whose network stack it shares (network_mode: service:NAME).
    struct Edge {
        std::string target;
        Location location;
        std::string key_path;
    };

    std::vector<Edge> edges_of(const std::string& name) const {
        std::vector<Edge> edges;
        const Node* service = services_->find(name);
        if (!service) {
            return edges;
        }
        if (const Node* depends_on = service->find("depends_on")) {
            for (const auto& dependency : depends_on->entries) {
                if (services_->find(dependency.key) && dependency.key != name) {
                    edges.push_back(Edge{dependency.key, dependency.key_location,
                                         "services." + name + ".depends_on"});
                }
            }
        }
        const Node* network_mode = service->find("network_mode");
        const std::string prefix = "service:";
        if (network_mode && network_mode->scalar.rfind(prefix, 0) == 0) {
            const std::string target = network_mode->scalar.substr(prefix.size());
            if (services_->find(target) && target != name) {
                edges.push_back(
                    Edge{target, network_mode->location, "services." + name + ".network_mode"});
            }
        }
        return edges;
    }

    // Depth-first search; a back edge closes a cycle, printed in order.
    void cycles() {
        std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
        std::vector<std::string> stack;
        std::set<std::string> reported;
        std::function<void(const std::string&)> visit = [&](const std::string& name) {
            state[name] = 1;
            stack.push_back(name);
            for (const auto& edge : edges_of(name)) {
                if (state[edge.target] == 1) {
                    report_cycle(stack, edge.target, reported);
                } else if (state[edge.target] == 0) {
                    visit(edge.target);
                }
            }
            stack.pop_back();
            state[name] = 2;
        };
        for (const auto& entry : services_->entries) {
            if (state[entry.key] == 0) {
                visit(entry.key);
            }
        }
    }

    void report_cycle(const std::vector<std::string>& stack, const std::string& back_to,
                      std::set<std::string>& reported) {
        auto start = std::find(stack.begin(), stack.end(), back_to);
        std::vector<std::string> members(start, stack.end());
        std::vector<std::string> sorted = members;
        std::sort(sorted.begin(), sorted.end());
        std::string identity;
        for (const auto& member : sorted) {
            identity += member + ",";
        }
        if (!reported.insert(identity).second) {
            return;
        }
        std::string text;
        for (const auto& member : members) {
            text += member + " -> ";
        }
        text += back_to;
        // Report at the first edge of the cycle, where a user would cut it.
        const std::string next = members.size() > 1 ? members[1] : back_to;
        for (const auto& edge : edges_of(members.front())) {
            if (edge.target == next) {
                diagnostics_.add(edge.location, edge.key_path, "dependency cycle: " + text);
                return;
            }
        }
    }

    const Node& root_;
    const Node& disabled_;
    Diagnostics& diagnostics_;
    const Node* services_;
    const Node* networks_;
    const Node* volumes_;
};

}  // namespace

void validate_project(const Node& root, const Node& disabled, Diagnostics& diagnostics) {
    ProjectValidator(root, disabled, diagnostics).run();
}

}  // namespace berth::compose::detail
