#pragma once
// Secrets and configs: their content read from the file, variable or text
// the project names, and copied into a created container through the
// engine's archive API before it starts, so that a remote engine gets them
// as well as a local one (a bind of a host path would not reach it).

#include <berth/compose/model.hpp>
#include <berth/engine.hpp>

#include <string>
#include <vector>

namespace berth::orchestrate {

/// One secret or config as it lands in the container.
struct ServiceFile {
    std::string kind;  ///< "secret" or "config"
    std::string key;   ///< the top-level entry it comes from
    std::string path;  ///< absolute path inside the container
    std::string content;
    int mode = 0444;
    long uid = 0;
    long gid = 0;
};

/// The secrets and configs of a service with their content. Throws
/// UsageError naming the service and entry for an entry the project does not
/// declare, an external one (only Swarm holds those), a file that cannot be
/// read, an unset variable or an owner that is not a number.
std::vector<ServiceFile> service_files(const compose::Project& project,
                                       const compose::Service& service);

/// A digest of paths, content, owners and modes: part of the config hash, so
/// that a changed secret recreates the container.
std::string service_files_digest(const std::vector<ServiceFile>& files);

/// Copies the files into a created, not yet started container. Folders the
/// image lacks are made (root, 0755); existing ones keep their owner and mode.
void put_service_files(Engine& engine, const std::string& container, const std::string& service,
                       const std::vector<ServiceFile>& files);

}  // namespace berth::orchestrate
