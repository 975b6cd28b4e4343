#include "orchestrate/service_files.hpp"

#include <berth/errors.hpp>

#include "engine/archive.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace berth::orchestrate {

namespace {

namespace fs = std::filesystem;

/// Where compose puts an entry: secrets under /run/secrets, configs at the
/// root, unless the entry names an absolute target.
std::string target_path(bool secret, const compose::ServiceFileReference& reference) {
    const std::string& name = reference.target.empty() ? reference.source : reference.target;
    if (!name.empty() && name.front() == '/')
        return fs::path(name).lexically_normal().string();
    return ((secret ? fs::path("/run/secrets") : fs::path("/")) / name).lexically_normal().string();
}

long owner_number(const std::string& text, const std::string& what, const std::string& where) {
    if (text.empty())
        return 0;
    std::size_t used = 0;
    long number = -1;
    try {
        number = std::stol(text, &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() || number < 0) {
        throw UsageError(where + ": " + what + " '" + text +
                         "' is not a number; the engine's archive API takes numeric owners only");
    }
    return number;
}

std::string content_of(const compose::ProjectFile& entry, const std::string& where) {
    if (entry.external) {
        throw UsageError(where +
                         " is external: only a Swarm cluster holds external secrets and "
                         "configs; give it a file, environment or content source");
    }
    if (!entry.driver.empty() || !entry.driver_opts.empty() || !entry.template_driver.empty()) {
        throw UsageError(where +
                         " sets driver, driver_opts or template_driver: those are Swarm's "
                         "secret and template drivers, which a single engine does not "
                         "run; remove them");
    }
    if (!entry.file.empty()) {
        std::ifstream input(entry.file, std::ios::binary);
        if (!input)
            throw UsageError(where + ": cannot read " + entry.file);
        return std::string((std::istreambuf_iterator<char>(input)), {});
    }
    if (!entry.environment.empty()) {
        if (!entry.environment_value) {
            throw UsageError(where + ": variable " + entry.environment +
                             " is not set (neither in the environment nor in the .env file)");
        }
        return *entry.environment_value;
    }
    return entry.content;
}

void add_entries(const compose::Project& project, const compose::Service& service, bool secret,
                 std::vector<ServiceFile>& out) {
    const auto& declared = secret ? project.secrets : project.configs;
    const auto& references = secret ? service.secrets : service.configs;
    const std::string kind = secret ? "secret" : "config";
    for (const auto& reference : references) {
        const std::string where = "service " + service.name + ": " + kind + " " + reference.source;
        auto found = declared.find(reference.source);
        if (found == declared.end())
            throw UsageError(where + " is not declared under the top-level " + kind + "s");
        ServiceFile file;
        file.kind = kind;
        file.key = reference.source;
        file.path = target_path(secret, reference);
        file.content = content_of(found->second, where);
        file.mode = reference.mode.value_or(0444);
        file.uid = owner_number(reference.uid, "uid", where);
        file.gid = owner_number(reference.gid, "gid", where);
        out.push_back(std::move(file));
    }
}

/// A tmpfs the engine mounts at start, empty, over a file copied in before:
/// the file would be hidden, so the target is refused instead.
void refuse_under_tmpfs(const compose::Service& service, const ServiceFile& file) {
    std::vector<std::string> mounts;
    for (const auto& entry : service.tmpfs)
        mounts.push_back(entry.substr(0, entry.find(':')));
    for (const auto& volume : service.volumes) {
        if (volume.type == compose::ServiceVolume::Type::tmpfs)
            mounts.push_back(volume.target);
    }
    for (const auto& mount : mounts) {
        const std::string folder = fs::path(mount).lexically_normal().string();
        if (file.path.rfind(folder == "/" ? folder : folder + "/", 0) == 0) {
            throw UsageError("service " + service.name + ": " + file.kind + " " + file.key +
                             ": its target " + file.path + " is under the tmpfs " + folder +
                             ", which the engine mounts empty when the container starts and "
                             "would hide it; choose a target outside it");
        }
    }
}

std::string parent_of(const std::string& path) {
    std::string parent = fs::path(path).parent_path().string();
    return parent.empty() ? "/" : parent;
}

}  // namespace

std::vector<ServiceFile> service_files(const compose::Project& project,
                                       const compose::Service& service) {
    std::vector<ServiceFile> files;
    add_entries(project, service, true, files);
    add_entries(project, service, false, files);
    for (const auto& file : files)
        refuse_under_tmpfs(service, file);
    return files;
}

std::string service_files_digest(const std::vector<ServiceFile>& files) {
    if (files.empty())
        return {};
    nlohmann::json all = nlohmann::json::array();
    for (const auto& file : files)
        all.push_back({file.path, file.content, file.mode, file.uid, file.gid});
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : all.dump()) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return hex;
}

void put_service_files(Engine& engine, const std::string& container, const std::string& service,
                       const std::vector<ServiceFile>& files) {
    for (const auto& file : files) {
        // The archive upload wants an existing folder; climb until one
        // exists and let the tar make the folders below it, so that the
        // image's own folders (a /tmp with 1777) keep their owner and mode.
        std::string existing = parent_of(file.path);
        std::vector<std::string> missing;
        while (true) {
            std::vector<detail::InMemoryEntry> entries;
            fs::path relative;
            for (auto folder = missing.rbegin(); folder != missing.rend(); ++folder) {
                relative /= *folder;
                entries.push_back({.name = relative.string(), .directory = true, .mode = 0755});
            }
            relative /= fs::path(file.path).filename();
            entries.push_back({.name = relative.string(),
                               .content = file.content,
                               .mode = file.mode,
                               .uid = file.uid,
                               .gid = file.gid});
            try {
                engine.put_archive(container, existing, detail::tar_of_entries(entries));
                break;
            } catch (const NotFound&) {
                if (existing == "/")
                    throw;
                missing.push_back(fs::path(existing).filename().string());
                existing = parent_of(existing);
            } catch (const EngineError& error) {
                throw UsageError("service " + service + ": " + file.kind + " " + file.key +
                                 ": the engine refused to copy it to " + file.path + ": " +
                                 error.what() +
                                 "\n  hint: with read_only: true the target must be in a volume "
                                 "(the engine writes no file into a read-only root filesystem)");
            }
        }
    }
}

}  // namespace berth::orchestrate
