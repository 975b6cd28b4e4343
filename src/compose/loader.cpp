#include <berth/compose/loader.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "environment.hpp"
#include "interpolation.hpp"
#include "merge.hpp"
#include "normalize.hpp"
#include "stages.hpp"
#include "tree.hpp"

extern char** environ;

namespace berth::compose {

std::string Diagnostic::to_string() const {
    std::ostringstream text;
    // A problem with no file (a bad -p value) starts with its key path.
    if (!file.empty()) {
        text << file;
        if (line > 0) {
            text << ":" << line << ":" << column;
        }
        text << ": ";
    }
    if (!key_path.empty()) {
        text << key_path << ": ";
    }
    text << message;
    return text.str();
}

namespace {

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::string text = diagnostics.size() == 1
                           ? "the compose project is invalid:"
                           : "the compose project is invalid (" +
                                 std::to_string(diagnostics.size()) + " problems):";
    for (const auto& diagnostic : diagnostics) {
        text += "\n" + diagnostic.to_string();
    }
    return text;
}

}  // namespace

ComposeError::ComposeError(std::vector<Diagnostic> diagnostics)
    : Error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

const char* to_string(DependencyCondition condition) {
    switch (condition) {
        case DependencyCondition::service_started:
            return "service_started";
        case DependencyCondition::service_healthy:
            return "service_healthy";
        case DependencyCondition::service_completed_successfully:
            return "service_completed_successfully";
    }
    return "service_started";
}

const Service* Project::find_service(const std::string& service_name) const {
    for (const auto& service : services) {
        if (service.name == service_name) {
            return &service;
        }
    }
    return nullptr;
}

// The one normalisation of project names; the CLI uses it for -p too.
std::string normalise_project_name(const std::string& name) {
    std::string result;
    for (char character : name) {
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
        const bool alphanumeric = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
        if (alphanumeric || ((lower == '_' || lower == '-') && !result.empty())) {
            result += lower;
        }
    }
    return result;
}

namespace detail {

namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& path, const std::string& base) {
    fs::path result(path);
    if (result.is_relative()) {
        result = fs::path(base.empty() ? fs::current_path().string() : base) / result;
    }
    return result.lexically_normal().string();
}

std::string parent_folder(const std::string& file) {
    return fs::path(file).parent_path().string();
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator)) {
        if (!part.empty()) {
            parts.push_back(part);
        }
    }
    return parts;
}

class Loader {
  public:
    explicit Loader(const LoadOptions& options) : options_(options) {}

    Project load_files() {
        const std::string current = fs::current_path().string();
        std::vector<std::string> files;
        for (const auto& file : options_.files) {
            files.push_back(absolute(file, current));
        }
        std::string directory =
            options_.working_directory.empty() ? "" : absolute(options_.working_directory, current);
        if (files.empty()) {
            const std::string search = directory.empty() ? current : directory;
            read_process_environment();
            auto from_variable = variables_.find("COMPOSE_FILE");
            if (from_variable != variables_.end() && !from_variable->second.empty()) {
                for (const auto& file : split(from_variable->second, ':')) {
                    files.push_back(absolute(file, search));
                }
            } else {
                for (const char* candidate :
                     {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}) {
                    const std::string path = absolute(candidate, search);
                    if (fs::exists(path)) {
                        files.push_back(path);
                        break;
                    }
                }
                // As in compose, an override file beside the default file is
                // merged over it without being named.
                if (!files.empty()) {
                    const bool short_name =
                        fs::path(files[0]).filename().string().rfind("compose.", 0) == 0;
                    const std::string stem =
                        short_name ? "compose.override" : "docker-compose.override";
                    for (const char* extension : {".yaml", ".yml"}) {
                        const std::string path = absolute(stem + extension, search);
                        if (fs::exists(path)) {
                            files.push_back(path);
                            break;
                        }
                    }
                }
            }
            if (files.empty()) {
                throw UsageError("no compose file found in " + search +
                                 " (looked for compose.yaml, compose.yml, docker-compose.yml, "
                                 "docker-compose.yaml); name one with -f");
            }
        }
        if (directory.empty()) {
            directory = parent_folder(files.front());
        }
        std::vector<std::pair<std::string, std::string>> sources;
        for (const auto& file : files) {
            auto text = read_text_file(file);
            if (!text) {
                throw UsageError("cannot read compose file " + file + ": " +
                                 (!fs::exists(file)            ? "no such file"
                                  : !fs::is_regular_file(file) ? "not a regular file"
                                                               : "permission denied"));
            }
            sources.emplace_back(file, std::move(*text));
        }
        return load(sources, directory);
    }

    Project load_text(const std::string& text, const std::string& file_name) {
        const std::string file = absolute(file_name, fs::current_path().string());
        const std::string directory =
            options_.working_directory.empty()
                ? parent_folder(file)
                : absolute(options_.working_directory, fs::current_path().string());
        return load({{file, text}}, directory);
    }

  private:
    void read_process_environment() {
        if (environment_read_) {
            return;
        }
        environment_read_ = true;
        if (options_.environment) {
            variables_ = *options_.environment;
            return;
        }
        for (char** entry = environ; entry && *entry; ++entry) {
            const std::string text = *entry;
            const auto equals = text.find('=');
            if (equals != std::string::npos) {
                variables_[text.substr(0, equals)] = text.substr(equals + 1);
            }
        }
    }

    // The process environment wins over the env file, as in compose.
    void read_env_file(const std::string& directory) {
        std::string path;
        if (options_.env_file) {
            path = absolute(*options_.env_file, fs::current_path().string());
            if (!fs::exists(path)) {
                throw UsageError("cannot read env file " + path + ": no such file");
            }
        } else {
            path = (fs::path(directory) / ".env").string();
            if (!fs::is_regular_file(path)) {
                return;
            }
        }
        auto text = read_text_file(path);
        if (!text) {
            throw UsageError("cannot read env file " + path);
        }
        for (auto& entry : parse_env_file(*text, path, variables_, diagnostics_)) {
            variables_.emplace(entry.name, entry.value);
        }
    }

    Project load(const std::vector<std::pair<std::string, std::string>>& sources,
                 const std::string& directory) {
        read_process_environment();
        read_env_file(directory);

        // "No services" and other whole-project problems point at the top of
        // the first file.
        Node merged = Node::make_mapping(Location{sources.front().first, 1, 1});
        std::vector<std::string> source_files;
        for (const auto& [file, text] : sources) {
            source_files.push_back(file);
            Node root = parse_and_normalise(file, text, parent_folder(file));
            add_includes(root, file);
            cache_.emplace(file, root);
        }
        for (const auto& file : source_files) {
            Node& root = cache_.at(file);
            resolve_extends(root, file);
            merge_into(merged, root, &project_schema);
        }
        drop_merge_tags(merged);
        sort_and_throw();

        resolve_service_environment(merged, variables_, diagnostics_);
        const std::string project_name = project_name_for(merged, directory);
        Node disabled = apply_profiles(merged);
        sort_and_throw();

        validate_project(merged, disabled, diagnostics_);
        sort_and_throw();

        Project project = build_project(merged, disabled, project_name);
        project.working_directory = directory;
        project.source_files = source_files;
        for (auto* files : {&project.secrets, &project.configs}) {
            for (auto& [key, file] : *files) {
                auto found = variables_.find(file.environment);
                if (!file.environment.empty() && found != variables_.end())
                    file.environment_value = found->second;
            }
        }
        return project;
    }

    Node parse_and_normalise(const std::string& file, const std::string& text,
                             const std::string& base_directory) {
        Node root = parse_yaml(text, file, diagnostics_);
        if (root.is_null() && !diagnostics_.empty()) {
            return Node::make_mapping(root.location);
        }
        if (options_.interpolate) {
            interpolate_tree(root, variables_, "", diagnostics_);
        }
        normalize_file(root, base_directory, diagnostics_);
        if (!root.is_mapping()) {
            return Node::make_mapping(root.location);
        }
        return root;
    }

    // `include`: each entry is a project of its own (its files merged, its
    // folder for relative paths, its env files for interpolation) whose
    // resources are added to this file's. A resource defined on both sides is
    // an error, as in compose.
    void add_includes(Node& root, const std::string& file) {
        Node* includes = root.find("include");
        if (!includes) {
            return;
        }
        Node combined = Node::make_mapping(root.location);
        for (std::size_t index = 0; index < includes->items.size(); ++index) {
            const Node& entry = includes->items[index];
            const std::string path =
                entry.written_path.empty() ? item_path("include", index) : entry.written_path;
            const Node project = included_project(entry, path, file);
            for (const auto& section : project.entries) {
                const Node* mine = root.find(section.key);
                Node* theirs = combined.find(section.key);
                if (!theirs) {
                    theirs = &combined.set(section.key, Node::make_mapping(section.value.location));
                }
                for (const auto& resource : section.value.entries) {
                    if ((mine && mine->find(resource.key)) || theirs->find(resource.key)) {
                        diagnostics_.add(entry.location, path,
                                         section.key + "." + resource.key +
                                             " is defined both by the included project and "
                                             "by the file that includes it");
                        continue;
                    }
                    theirs->entries.push_back(resource);
                }
            }
        }
        root.erase("include");
        merge_into(combined, root, &project_schema);
        root = std::move(combined);
    }

    Node included_project(const Node& entry, const std::string& path, const std::string& from) {
        std::vector<std::string> files;
        for (const auto& item : entry.find("path")->items) {
            files.push_back(item.scalar);
        }
        const Node* written_directory = entry.find("project_directory");
        const std::string directory =
            written_directory ? written_directory->scalar : parent_folder(files.front());
        const Variables saved = variables_;
        std::vector<std::string> env_files;
        if (const Node* written = entry.find("env_file")) {
            for (const auto& item : written->items) {
                env_files.push_back(item.scalar);
            }
        } else if (fs::is_regular_file(fs::path(directory) / ".env")) {
            env_files.push_back((fs::path(directory) / ".env").string());
        }
        for (const auto& env_file : env_files) {
            auto text = read_text_file(env_file);
            if (!text) {
                diagnostics_.add(entry.location, path, "cannot read env file " + env_file);
                continue;
            }
            for (auto& variable : parse_env_file(*text, env_file, variables_, diagnostics_)) {
                variables_.emplace(variable.name, variable.value);
            }
        }
        Node merged = Node::make_mapping(entry.location);
        for (const auto& file : files) {
            auto text = read_text_file(file);
            if (!text ||
                std::find(including_.begin(), including_.end(), file) != including_.end()) {
                diagnostics_.add(
                    entry.location, path,
                    (text ? "includes itself: " : "cannot read the included file ") +
                        fs::path(file).lexically_relative(parent_folder(from)).string());
                continue;
            }
            including_.push_back(from);
            Node root = parse_and_normalise(file, *text, directory);
            add_includes(root, file);
            including_.pop_back();
            cache_.emplace(file, root);
            resolve_extends(cache_.at(file), file);
            merge_into(merged, cache_.at(file), &project_schema);
        }
        variables_ = saved;
        merged.erase("name");
        merged.erase("version");
        return merged;
    }

    const Node* file_for_extends(const std::string& file, const Location& location,
                                 const std::string& path) {
        auto cached = cache_.find(file);
        if (cached != cache_.end()) {
            return &cached->second;
        }
        auto text = read_text_file(file);
        if (!text) {
            diagnostics_.add(location, path, "cannot read the file " + file);
            return nullptr;
        }
        Node root = parse_and_normalise(file, *text, parent_folder(file));
        return &cache_.emplace(file, std::move(root)).first->second;
    }

    void resolve_extends(Node& root, const std::string& file) {
        Node* services = root.find("services");
        if (!services || !services->is_mapping()) {
            return;
        }
        for (auto& entry : services->entries) {
            std::vector<std::string> chain;
            entry.value = resolved_service(entry.value, entry.key, file, chain);
        }
    }

    // The service with every `extends` up its chain applied.
    Node resolved_service(const Node& service, const std::string& service_name,
                          const std::string& file, std::vector<std::string>& chain) {
        const Node* extends = service.find("extends");
        if (!extends) {
            return service;
        }
        const std::string path = "services." + service_name + ".extends";
        const std::string identity = file + "#" + service_name;
        if (std::find(chain.begin(), chain.end(), identity) != chain.end()) {
            std::string cycle;
            for (const auto& link : chain) {
                cycle += link.substr(link.find('#') + 1) + " -> ";
            }
            diagnostics_.add(extends->location, path,
                             "extends forms a cycle: " + cycle + service_name);
            return without_extends(service);
        }
        chain.push_back(identity);
        const Node* base_name = extends->find("service");
        const Node* base_file = extends->find("file");
        if (!base_name || !base_name->is_scalar()) {
            return without_extends(service);
        }
        const std::string target_file = base_file ? base_file->scalar : file;
        const Node* target_root = file_for_extends(
            target_file, base_file ? base_file->location : extends->location, path);
        if (!target_root) {
            return without_extends(service);
        }
        const Node* target_services = target_root->find("services");
        const Node* base = target_services ? target_services->find(base_name->scalar) : nullptr;
        if (!base) {
            const std::string where =
                target_file == file
                    ? "this file"
                    : fs::path(target_file).lexically_relative(parent_folder(file)).string();
            diagnostics_.add(base_name->location, path + ".service",
                             "service '" + base_name->scalar + "' is not defined in " + where);
            return without_extends(service);
        }
        Node result = resolved_service(*base, base_name->scalar, target_file, chain);
        merge_into(result, without_extends(service), &service_schema);
        return result;
    }

    static Node without_extends(Node service) {
        service.erase("extends");
        return service;
    }

    std::string project_name_for(const Node& root, const std::string& directory) {
        std::string chosen;
        std::string origin;
        Location location;
        if (options_.project_name) {
            chosen = *options_.project_name;
            origin = "-p";
        } else if (auto found = variables_.find("COMPOSE_PROJECT_NAME");
                   found != variables_.end() && !found->second.empty()) {
            chosen = found->second;
            origin = "COMPOSE_PROJECT_NAME";
        } else if (const Node* name = root.find("name"); name && name->is_scalar()) {
            chosen = name->scalar;
            origin = "name";
            location = name->location;
        } else {
            chosen = fs::path(directory).filename().string();
            origin = "the project folder's name";
        }
        std::string normalised = normalise_project_name(chosen);
        if (normalised.empty()) {
            diagnostics_.add(location, origin == "name" ? "name" : "",
                             "the project name '" + chosen + "' (from " + origin +
                                 ") has no letters or digits; set one with -p or name:");
        }
        return normalised;
    }

    // Moves the services no active profile enables out of root.services.
    Node apply_profiles(Node& root) {
        Node disabled = Node::make_mapping(Location{});
        std::vector<std::string> active = options_.profiles;
        if (active.empty()) {
            auto found = variables_.find("COMPOSE_PROFILES");
            if (found != variables_.end()) {
                active = split(found->second, ',');
            }
        }
        const bool all = std::find(active.begin(), active.end(), "*") != active.end();
        Node* services = root.find("services");
        if (!services || all) {
            return disabled;
        }
        std::vector<Entry> enabled;
        for (auto& entry : services->entries) {
            const Node* profiles = entry.value.find("profiles");
            bool on = !profiles || profiles->items.empty();
            if (profiles) {
                for (const auto& profile : profiles->items) {
                    if (std::find(active.begin(), active.end(), profile.scalar) != active.end()) {
                        on = true;
                    }
                }
            }
            (on ? enabled : disabled.entries).push_back(std::move(entry));
        }
        services->entries = std::move(enabled);
        return disabled;
    }

    void sort_and_throw() {
        if (diagnostics_.empty()) {
            return;
        }
        // Files in the order they were read (env file, then -f order), each
        // file's problems top to bottom.
        std::vector<Diagnostic> list = diagnostics_.list();
        std::map<std::string, std::size_t> file_order;
        for (const auto& diagnostic : list) {
            file_order.emplace(diagnostic.file, file_order.size());
        }
        std::stable_sort(list.begin(), list.end(), [&](const Diagnostic& a, const Diagnostic& b) {
            return std::tuple(file_order[a.file], a.line, a.column) <
                   std::tuple(file_order[b.file], b.line, b.column);
        });
        throw ComposeError(std::move(list));
    }

    const LoadOptions& options_;
    Variables variables_;
    bool environment_read_ = false;
    Diagnostics diagnostics_;
    std::map<std::string, Node> cache_;
    std::vector<std::string> including_;  ///< the files whose includes are being read
};

}  // namespace

}  // namespace detail

Project load_project(const LoadOptions& options) {
    return detail::Loader(options).load_files();
}

Project load_project_from_text(const std::string& text, const std::string& file_name,
                               const LoadOptions& options) {
    return detail::Loader(options).load_text(text, file_name);
}

}  // namespace berth::compose
