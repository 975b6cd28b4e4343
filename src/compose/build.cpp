// From the merged, validated tree to the model, through the schema rows'
// bindings. Only what no single row can say is here: services sorted by
// name, the implicit default network, engine names of resources.

#include <berth/compose/units.hpp>

#include <algorithm>

#include "binding.hpp"
#include "normalize.hpp"
#include "stages.hpp"

namespace berth::compose::detail {

namespace {

std::string engine_name(const std::string& written, bool external, const std::string& key,
                        const std::string& project) {
    if (!written.empty()) {
        return written;
    }
    return external ? key : project + "_" + key;
}

std::vector<Service> services_of(const Node* services) {
    std::vector<Service> result;
    if (services) {
        for (const auto& entry : services->entries) {
            Service service;
            service.name = entry.key;
            read_struct(service_schema, entry.value, &service);
            // A service with neither networks nor network_mode joins "default".
            if (service.networks.empty() && service.network_mode.empty()) {
                service.networks["default"] = ServiceNetwork{};
            }
            result.push_back(std::move(service));
        }
    }
    std::sort(result.begin(), result.end(),
              [](const Service& a, const Service& b) { return a.name < b.name; });
    return result;
}

template <typename Resource>
void name_resources(std::map<std::string, Resource>& resources, const std::string& project) {
    for (auto& [key, resource] : resources) {
        resource.key = key;
        resource.name = engine_name(resource.name, resource.external, key, project);
    }
}

}  // namespace

std::int64_t scalar_number(const Field& field, const Node& node) {
    if (field.shape == Shape::byte_size) {
        if (node.scalar == "-1") {
            return -1;
        }
        return parse_byte_size(node.scalar).value_or(0);
    }
    return parse_integer(node.scalar).value_or(0);
}

void read_struct(const Schema& schema, const Node& node, void* model) {
    for (const auto& entry : node.entries) {
        const Field* field = schema.find(entry.key);
        if (field && field->binding.read && !entry.value.is_null()) {
            field->binding.read(*field, entry.value, model);
        }
    }
    if (schema.extensions.read) {
        schema.extensions.read(Field{}, node, model);
    }
}

nlohmann::json to_json_value(const Node& node) {
    switch (node.kind) {
        case Node::Kind::null:
            return nullptr;
        case Node::Kind::scalar:
            if (node.plain) {
                if (auto boolean = parse_boolean(node.scalar)) {
                    return *boolean;
                }
                if (auto integer = parse_integer(node.scalar)) {
                    return *integer;
                }
                if (node.scalar == "~" || node.scalar == "null" || node.scalar == "Null" ||
                    node.scalar == "NULL") {
                    return nullptr;
                }
            }
            return node.scalar;
        case Node::Kind::sequence: {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& item : node.items) {
                list.push_back(to_json_value(item));
            }
            return list;
        }
        case Node::Kind::mapping: {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& entry : node.entries) {
                object[entry.key] = to_json_value(entry.value);
            }
            return object;
        }
    }
    return nullptr;
}

Project build_project(const Node& root, const Node& disabled, const std::string& project_name) {
    Project project;
    project.name = project_name;
    // services are read above (sorted, with their default network); the
    // other top-level rows by their bindings.
    for (const auto& entry : root.entries) {
        const Field* field = project_schema.find(entry.key);
        if (entry.key != "services" && field && field->binding.read) {
            field->binding.read(*field, entry.value, &project);
        }
    }
    project_schema.extensions.read(Field{}, root, &project);
    project.services = services_of(root.find("services"));
    project.disabled_services = services_of(&disabled);
    name_resources(project.networks, project_name);
    name_resources(project.volumes, project_name);
    name_resources(project.secrets, project_name);
    name_resources(project.configs, project_name);
    for (auto& [key, model] : project.models) {
        model.key = key;
    }
    const bool default_used =
        std::any_of(project.services.begin(), project.services.end(),
                    [](const Service& service) { return service.networks.count("default") != 0; });
    if (default_used && project.networks.count("default") == 0) {
        Network network;
        network.key = "default";
        network.name = project_name + "_default";
        network.implicit = true;
        project.networks["default"] = std::move(network);
    }
    return project;
}

}  // namespace berth::compose::detail
