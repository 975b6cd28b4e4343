#pragma once
// What `up` does with each key the compose loader accepts: a key berth
// accepts is honoured or refused with a reason, never ignored. The loader
// takes the whole Compose Specification; `up` applies part of it, and this
// check names every key of the services being started that it does not
// apply, before anything is created.

#include <berth/compose/model.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace berth {
class Engine;
}

namespace berth::orchestrate {

/// What the engine's /info says about where it keeps containers, for the
/// keys only some setups can apply.
struct EngineFacts {
    std::string storage_driver;      ///< "overlay2", "overlay", "btrfs", ...
    std::string backing_filesystem;  ///< of the storage driver: "extfs", "xfs", ...
    std::string cgroup_version;      ///< "1" or "2"
};

/// What the engine can do, where that decides whether a key is applied.
/// Left empty, nothing is assumed missing (the checks that need an engine
/// are skipped).
struct EngineAbilities {
    std::string api_version;  ///< the negotiated Docker API version; empty: unknown
    std::string engine;       ///< "docker 20.10.24 (rootful)", for the reasons
    bool podman = false;
    bool rootless = false;
    /// The cgroup controllers containers can be limited by; asked only when a
    /// service sets a limit. Unset: every controller is assumed.
    std::function<std::set<std::string>()> cgroup_controllers;
    /// Asked only when a service sets a key that depends on them. Unset:
    /// every setup is assumed to apply them.
    std::function<EngineFacts()> facts;
};

/// The abilities of a connected engine.
EngineAbilities engine_abilities(Engine& engine);

/// A key a service (or a network or volume it uses) sets that `up` does not
/// apply.
struct RefusedKey {
    std::string owner;     ///< "service web", "network front", "volume data"
    std::string key_path;  ///< as `berth config` prints it: "deploy", "volumes[1].type"
    std::string reason;

    /// "service web: deploy: REASON".
    std::string to_string() const;
};

/// The refused keys of the named services (all services when empty) and of
/// the networks and volumes they use, in that order. Reads the services as `berth config` prints
/// them, so a key the loader learns later is refused until this table honours it.
std::vector<RefusedKey> refused_keys(const compose::Project& project,
                                     const std::set<std::string>& services = {},
                                     const EngineAbilities& engine = {});

/// Throws UsageError listing every refused key, when there is one.
void refuse_unapplied_keys(const compose::Project& project, const std::set<std::string>& services,
                           const EngineAbilities& engine = {});

}  // namespace berth::orchestrate
