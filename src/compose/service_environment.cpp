// A service's environment: its env_file files read, the `environment` key
// over them, and names without a value taken from the loader's variables.

#include <filesystem>

#include "environment.hpp"
#include "stages.hpp"

namespace berth::compose::detail {

namespace {

namespace fs = std::filesystem;

std::string parent_folder(const std::string& file) {
    return fs::path(file).parent_path().string();
}

void fill_from_variables(Node& mapping, const Variables& variables) {
    for (auto& variable : mapping.entries) {
        if (variable.value.is_null()) {
            auto found = variables.find(variable.key);
            if (found != variables.end()) {
                variable.value = Node::make_scalar(found->second, variable.value.location);
            }
        }
    }
}

// `format: raw`: NAME=VALUE lines taken as written, without quotes, escapes
// or interpolation; blank lines and # comments are skipped.
std::vector<EnvFileEntry> parse_raw_env_file(const std::string& text) {
    std::vector<EnvFileEntry> entries;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? end : end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string::npos || equals == 0) {
            continue;
        }
        entries.push_back(EnvFileEntry{line.substr(0, equals), line.substr(equals + 1)});
    }
    return entries;
}

// label_file contents first, the labels key over them, as compose does.
void resolve_label_files(Node& service, const std::string& path, const Variables& variables,
                         Diagnostics& diagnostics) {
    const Node* files = service.find("label_file");
    if (!files) {
        return;
    }
    Node labels = Node::make_mapping(service.location);
    for (std::size_t index = 0; index < files->items.size(); ++index) {
        const Node& file = files->items[index];
        auto text = read_text_file(file.scalar);
        if (!text) {
            diagnostics.add(file.location, item_path(path + ".label_file", index),
                            "cannot read label file " +
                                fs::path(file.scalar)
                                    .lexically_relative(parent_folder(file.location.file))
                                    .string());
            continue;
        }
        for (auto& label : parse_env_file(*text, file.scalar, variables, diagnostics)) {
            labels.set(label.name, Node::make_scalar(label.value, file.location));
        }
    }
    if (const Node* written = service.find("labels")) {
        for (const auto& label : written->entries) {
            labels.set(label.key, label.value);
        }
    }
    service.set("labels", std::move(labels));
}

}  // namespace

// env_file contents first, the environment key over them; names without a
// value take the loader's variables, as compose does.
void resolve_service_environment(Node& root, const Variables& variables, Diagnostics& diagnostics) {
    Node* services = root.find("services");
    if (!services) {
        return;
    }
    for (auto& entry : services->entries) {
        Node& service = entry.value;
        const std::string path = "services." + entry.key;
        Node environment = Node::make_mapping(service.location);
        if (const Node* env_files = service.find("env_file")) {
            for (std::size_t index = 0; index < env_files->items.size(); ++index) {
                const Node& item = env_files->items[index];
                const Node& file = *item.find("path");
                const bool required = item.find("required")->scalar == "true";
                auto text = read_text_file(file.scalar);
                if (!text) {
                    if (required) {
                        diagnostics.add(
                            file.location, item_path(path + ".env_file", index),
                            "cannot read env file " +
                                fs::path(file.scalar)
                                    .lexically_relative(parent_folder(file.location.file))
                                    .string());
                    }
                    continue;
                }
                const Node* format = item.find("format");
                const auto parsed =
                    format && format->scalar == "raw"
                        ? parse_raw_env_file(*text)
                        : parse_env_file(*text, file.scalar, variables, diagnostics);
                for (const auto& variable : parsed) {
                    environment.set(variable.name,
                                    Node::make_scalar(variable.value, file.location));
                }
            }
        }
        if (const Node* written = service.find("environment")) {
            for (const auto& variable : written->entries) {
                environment.set(variable.key, variable.value);
            }
        }
        fill_from_variables(environment, variables);
        if (!environment.entries.empty() || service.find("environment")) {
            service.set("environment", std::move(environment));
        }
        resolve_label_files(service, path, variables, diagnostics);
        if (Node* build = service.find("build")) {
            if (Node* args = build->find("args")) {
                fill_from_variables(*args, variables);
            }
        }
    }
}

}  // namespace berth::compose::detail
