#pragma once

#include <berth/export.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth {

struct ImageInfo {
    std::string id;
    std::vector<std::string> tags;  ///< repo:tag as the engine stores them
    std::vector<std::string> digests;
    std::int64_t size_bytes = 0;
    std::string created;
    std::map<std::string, std::string> labels;
    std::vector<std::string> environment;
    std::optional<std::vector<std::string>> command;
    std::optional<std::vector<std::string>> entrypoint;
    std::string working_dir;
    std::string user;
};

/// A progress line from a build, pull, push or import stream.
struct Progress {
    std::string message;  ///< build output, or "status id: progress" text
    std::string id;       ///< layer or step id when the engine gives one
    /// The line starts a new step of the work (a build's "Step N/M", a phase
    /// of a bootstrap): compact progress shows these and logs the rest.
    bool step = false;
};

using ProgressCallback = std::function<void(const Progress&)>;

/// Build an image from a folder on this machine.
struct BuildOptions {
    std::string context_dir;
    /// Relative to the context; empty: "Containerfile" if present, else "Dockerfile".
    std::string dockerfile;
    std::vector<std::string> tags;  ///< "name:tag"
    std::map<std::string, std::string> build_args;
    std::map<std::string, std::string> labels;
    std::string target;
    bool no_cache = false;
    bool pull = false;  ///< try to pull a newer base; false keeps local-only builds offline
    /// The Containerfile's text (compose's dockerfile_inline): sent in the
    /// context under a name of its own; `dockerfile` is then ignored.
    std::string dockerfile_inline;
    std::vector<std::string> extra_hosts;  ///< "host:address" lines for RUN's /etc/hosts
    std::string network;                   ///< RUN's network mode; empty: the engine's default
    std::optional<std::int64_t> shm_size_bytes;  ///< RUN's /dev/shm
    std::vector<std::string> cache_from;         ///< images the builder may take layers from
    std::string platform;                        ///< "os/arch[/variant]"; empty: the engine's
};

struct PushOptions {
    /// Skip TLS verification (Podman, which does not treat localhost registries
    /// as insecure). Docker decides by its own insecure-registries list.
    bool tls_verify = true;
};

/// Splits "registry:5000/name:tag@digest" into its parts. A reference without
/// a tag gets "latest", as engines do.
struct ImageReference {
    std::string repository;  ///< everything before the tag, registry included
    std::string tag;
    std::string digest;

    BERTH_API static ImageReference parse(const std::string& reference);
    BERTH_API std::string str() const;
};

/// Whether two image names denote the same image, accounting for the
/// prefixes engines add: "docker.io/library/", and Podman's "localhost/".
BERTH_API bool same_image_name(const std::string& a, const std::string& b);

}  // namespace berth
