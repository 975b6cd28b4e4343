#pragma once
// Turning a loaded compose project into running containers, and taking them
// away again: `berth up`, `down` and `ps` as a library.

#include <berth/base_image.hpp>
#include <berth/compose/model.hpp>
#include <berth/container.hpp>
#include <berth/engine.hpp>
#include <berth/errors.hpp>
#include <berth/export.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth {

/// The labels docker compose puts on what it makes; berth uses the same, so
/// compose tools see a berth stack as their own and the other way round.
namespace compose_labels {
inline constexpr const char* project = "com.docker.compose.project";
inline constexpr const char* service = "com.docker.compose.service";
inline constexpr const char* container_number = "com.docker.compose.container-number";
inline constexpr const char* oneoff = "com.docker.compose.oneoff";
inline constexpr const char* config_hash = "com.docker.compose.config-hash";
inline constexpr const char* config_files = "com.docker.compose.project.config_files";
inline constexpr const char* working_dir = "com.docker.compose.project.working_dir";
inline constexpr const char* version = "com.docker.compose.version";
inline constexpr const char* network = "com.docker.compose.network";
inline constexpr const char* volume = "com.docker.compose.volume";
}  // namespace compose_labels

/// One step of `up` for one service, for progress lines.
struct ServiceEvent {
    enum class Kind {
        importing,  ///< berth's own base image, from the cache or debootstrap
        imported,
        pulling,  ///< a base image a build needs
        building,
        built,
        creating,
        recreating,
        starting,
        waiting,
        running,
        healthy,
        unchanged,
        removed,  ///< a replica beyond the service's count
        failed
    };
    Kind kind;
    /// The service, or SERVICE-NUMBER for one container of a service with
    /// several replicas.
    std::string service;
    std::chrono::milliseconds elapsed{0};  ///< since `up` began
    std::string detail;
};

BERTH_API const char* to_string(ServiceEvent::Kind kind);

struct UpOptions {
    /// Wait until every service is running, healthy where it has a
    /// healthcheck, or completed where a dependant asks for that.
    bool wait = true;
    std::chrono::seconds wait_timeout{300};
    bool build = false;  ///< rebuild images that have a build section
    /// Only the asked-for services, not what they depend on (compose --no-deps).
    bool no_deps = false;
    /// When a service's container is recreated: when its config changed (the
    /// default), always (compose --force-recreate), or never: an existing
    /// container is kept, started if stopped (compose --no-recreate).
    enum class Recreate { changed, always, never };
    Recreate recreate = Recreate::changed;
    /// false: create containers but start none and wait for none (compose --no-start).
    bool start = true;
    /// Leave what a failed `up` made, for inspection.
    bool keep_on_failure = false;
    std::vector<std::string> services;  ///< empty: all enabled services
    /// Replica counts over the files' `scale`/`deploy.replicas` (compose
    /// --scale SERVICE=N). Containers beyond a count are removed, missing
    /// ones created; the others are left as they are.
    std::map<std::string, int> scale;
    std::function<void(const ServiceEvent&)> progress;
    /// Every line of output of builds, pulls and the base image's bootstrap,
    /// tagged with the service (or base image) it belongs to: for a log,
    /// while progress gets the steps.
    std::function<void(const std::string& task, const Progress& line)> output;
    /// How berth's own base image is made when a build starts FROM it and the
    /// engine lacks it: imported from the root filesystem cached by an earlier
    /// bootstrap (seconds), else bootstrapped with debootstrap (minutes, root).
    BaseImageOptions base_image = cached_base_image_options();
    /// Put on every container, network and volume this `up` creates, but
    /// left out of the config hash: who owns a stack (a test session) must
    /// not make a later session recreate it.
    std::map<std::string, std::string> owner_labels;
};

/// A service's container as it stands.
struct ServiceStatus {
    std::string service;
    int number = 1;  ///< which replica: com.docker.compose.container-number
    std::string container_name;
    std::string container_id;
    std::string state;                         ///< running, exited, ...
    HealthStatus health = HealthStatus::none;  ///< none when it has no healthcheck
    int exit_code = 0;
    std::vector<PortBinding> ports;
};

struct UpResult {
    std::vector<ServiceStatus> services;
    bool changed = false;  ///< false when everything was already up to date
    std::chrono::milliseconds elapsed{0};
};

/// A service failed to come up: it exited, turned unhealthy, or missed the
/// wait timeout. what() is the whole report.
class BERTH_API ServiceFailed : public Error {
  public:
    ServiceFailed(std::string service, std::string reason, std::string report);
    const std::string& service() const { return service_; }
    const std::string& reason() const { return reason_; }

  private:
    std::string service_;
    std::string reason_;
};

/// A build starts FROM an image the engine does not have and cannot pull.
/// Raised before anything of the project is created.
class BERTH_API BaseImageMissing : public Error {
  public:
    BaseImageMissing(std::string service, std::string image, std::string location,
                     std::string engine_message);
    const std::string& service() const { return service_; }
    const std::string& image() const { return image_; }
    /// "FILE:LINE" of the FROM that names the image.
    const std::string& location() const { return location_; }
    const std::string& engine_message() const { return engine_message_; }

  private:
    std::string service_;
    std::string image_;
    std::string location_;
    std::string engine_message_;
};

/// A host port a service publishes is taken by something else.
class BERTH_API PortInUse : public Error {
  public:
    PortInUse(std::string service, std::string host_ip, int port);
    const std::string& service() const { return service_; }
    int port() const { return port_; }

  private:
    std::string service_;
    int port_;
};

/// Creates networks and volumes, builds missing images, and creates and
/// starts containers level by level, each level in parallel, honouring
/// depends_on conditions. Unchanged running services are left alone.
BERTH_API UpResult up(Engine& engine, const compose::Project& project,
                      const UpOptions& options = {});

struct DownOptions {
    bool remove_volumes = false;  ///< named volumes of the project that are not external
    std::optional<std::chrono::seconds> timeout;  ///< stop timeout; unset: each service's own
    /// Kill the containers at once instead of stopping them: for throwaway
    /// stacks, whose data goes with them anyway.
    bool kill = false;
    /// "key=value": only the objects that carry this label too, e.g. one
    /// fixture session's, so a newer stack of the same name is left alone.
    std::optional<std::string> only_label;
};

/// Stops and removes the project's containers (dependents first, in parallel
/// per level), then its networks, and with remove_volumes its volumes. Works
/// from the labels alone, so a half-made or compose-made project goes too;
/// `project` (may be null) only refines the stop order.
BERTH_API void down(Engine& engine, const std::string& project_name,
                    const compose::Project* project, const DownOptions& options = {});

/// The project's containers, by service, then replica number.
BERTH_API std::vector<ServiceStatus> ps(Engine& engine, const std::string& project_name);

/// One container of a service (replica `number`, the first by default);
/// throws ReplicaOutOfRange, naming the numbers the service has, when the
/// project has no such container.
BERTH_API ServiceStatus service_status(Engine& engine, const std::string& project_name,
                                       const std::string& service, int number = 1);

/// What a project means differently on a remote engine (ssh://, or tcp://
/// to another machine), one sentence each, for `up` to print before it
/// starts: every bind mount names a path on the engine's machine, and a
/// port published on 127.0.0.1 there cannot be reached from here. Empty for
/// a local engine.
BERTH_API std::vector<std::string> remote_engine_warnings(const compose::Project& project,
                                                          const Engine& engine);

}  // namespace berth
