// `up`: networks, volumes, images, then containers level by level.

#include <berth/compose/graph.hpp>
#include <berth/orchestrate.hpp>

#include "orchestrate/build_bases.hpp"
#include "orchestrate/hooks.hpp"
#include "orchestrate/project_lock.hpp"
#include "orchestrate/pull_policy.hpp"
#include "orchestrate/readiness.hpp"
#include "orchestrate/refused_keys.hpp"
#include "orchestrate/service_files.hpp"
#include "orchestrate/service_spec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>

namespace berth {

namespace {

using Clock = std::chrono::steady_clock;
using orchestrate::Readiness;

bool port_is_free(const std::string& host_ip, int port, const std::string& protocol) {
    int descriptor = ::socket(AF_INET, protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (descriptor < 0)
        return true;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (host_ip.empty() || ::inet_pton(AF_INET, host_ip.c_str(), &address.sin_addr) != 1) {
        address.sin_addr.s_addr = htonl(INADDR_ANY);
    }
    int reuse = 1;
    ::setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    bool free = ::bind(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 ||
                errno != EADDRINUSE;
    ::close(descriptor);
    return free;
}

/// What to do about a start the engine refused, by a phrase of its message:
/// keys that an engine takes at create and that only the kernel refuses.
const std::pair<std::string_view, std::string_view> start_hints[] = {
    {"cpu.rt_runtime_us",
     "cpu_rt_runtime: the kernel gives a container real-time CPU time only out of the budget of "
     "the cgroup the engine puts it in, which is 0 unless someone gave it one (dockerd's "
     "--cpu-rt-runtime, or cpu.rt_runtime_us of the service's cgroup_parent written beforehand); "
     "remove cpu_rt_runtime or give that cgroup a budget"},
};

std::string start_hint(const std::string& service, const std::string& engine_message) {
    for (const auto& [phrase, hint] : start_hints) {
        if (engine_message.find(phrase) != std::string::npos)
            return std::string(hint);
    }
    return "the engine's message names what it could not apply; change that key of service " +
           service;
}

/// What one run of `up` made, so that a failure can take it away again.
struct Created {
    std::mutex mutex;
    std::vector<std::string> containers;
    std::vector<std::string> networks;
    std::vector<std::string> volumes;
};

class UpRun {
  public:
    UpRun(Engine& engine, const compose::Project& project, const UpOptions& options)
        : engine_(engine), project_(project), options_(options), started_(Clock::now()) {}

    UpResult run() {
        orchestrate::ProjectLock lock(engine_.endpoint().uri(), project_.name);
        select_services();
        orchestrate::refuse_unapplied_keys(project_, selected_,
                                           orchestrate::engine_abilities(engine_));
        read_service_files();
        count_replicas();
        find_existing();
        check_ports();
        try {
            make_images();
            make_networks();
            make_volumes();
            start_levels();
        } catch (...) {
            if (!options_.keep_on_failure)
                take_away_what_was_made();
            throw;
        }
        UpResult result;
        result.changed = changed_.load();
        result.services = ps(engine_, project_.name);
        // Docker keeps saying "starting" until its own first interval ends;
        // berth ran the same check and saw it pass.
        for (auto& status : result.services) {
            if (status.health == HealthStatus::starting && seen_healthy_.count(status.container_id))
                status.health = HealthStatus::healthy;
        }
        result.elapsed = elapsed();
        return result;
    }

  private:
    std::chrono::milliseconds elapsed() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    }

    void report(ServiceEvent::Kind kind, const std::string& service,
                const std::string& detail = {}) {
        if (!options_.progress)
            return;
        std::lock_guard lock(progress_mutex_);
        options_.progress({kind, service, elapsed(), detail});
    }

    const compose::Service& service(const std::string& name) const {
        const compose::Service* found = project_.find_service(name);
        if (found == nullptr)
            throw UsageError("no service named '" + name + "' in project " + project_.name);
        return *found;
    }

    /// The asked-for services and everything they depend on.
    void select_services() {
        std::vector<std::string> pending = options_.services;
        if (pending.empty()) {
            for (const auto& each : project_.services)
                pending.push_back(each.name);
        }
        while (!pending.empty()) {
            std::string name = pending.back();
            pending.pop_back();
            if (!selected_.insert(name).second)
                continue;
            for (const auto& dependency : service(name).depends_on) {
                if (project_.find_service(dependency.service) && !options_.no_deps)
                    pending.push_back(dependency.service);
            }
            // links, volumes_from and a shared network stack need that
            // service's container running first, as depends_on does.
            for (const auto& implied : compose::implied_dependencies(service(name))) {
                if (project_.find_service(implied) && !options_.no_deps) {
                    pending.push_back(implied);
                    needed_.try_emplace(implied, Readiness::running);
                }
            }
        }
        for (const auto& level : compose::dependency_graph(project_).levels) {
            std::vector<std::string> chosen;
            for (const auto& name : level) {
                if (selected_.count(name))
                    chosen.push_back(name);
            }
            if (!chosen.empty())
                levels_.push_back(chosen);
        }
        // What each service's dependants need of it before they start.
        for (const auto& name : selected_) {
            for (const auto& dependency : service(name).depends_on) {
                Readiness wanted =
                    dependency.condition == compose::DependencyCondition::service_healthy
                        ? Readiness::healthy
                    : dependency.condition ==
                            compose::DependencyCondition::service_completed_successfully
                        ? Readiness::completed
                        : Readiness::running;
                Readiness& current = needed_[dependency.service];
                if (wanted == Readiness::completed ||
                    (wanted == Readiness::healthy && current == Readiness::running)) {
                    current = wanted;
                }
            }
        }
    }

    /// Each selected service's number of containers: --scale, else the
    /// files' scale or deploy.replicas, else one.
    void count_replicas() {
        for (const auto& [name, count] : options_.scale) {
            const compose::Service& each = service(name);
            if (count > 1 && !each.container_name.empty()) {
                throw UsageError("--scale " + name + "=" + std::to_string(count) + ": service " +
                                 name + " sets container_name '" + each.container_name +
                                 "', which several containers cannot share");
            }
        }
        for (const auto& name : selected_) {
            int from_files = orchestrate::replica_count(service(name));
            auto forced = options_.scale.find(name);
            replicas_[name] = forced == options_.scale.end() ? from_files : forced->second;
        }
    }

    void find_existing() {
        ListFilter filter;
        filter.labels = {std::string(compose_labels::project) + "=" + project_.name,
                         std::string(compose_labels::oneoff) + "=False"};
        for (const auto& container : engine_.container_list(filter)) {
            auto label = container.labels.find(compose_labels::service);
            if (label == container.labels.end())
                continue;
            int number = 1;  // a tool that does not number its containers
            auto numbered = container.labels.find(compose_labels::container_number);
            if (numbered != container.labels.end()) {
                try {
                    number = std::stoi(numbered->second);
                } catch (const std::exception&) {
                }
            }
            existing_[label->second][number] = container;
        }
    }

    bool has_running_container(const std::string& name) const {
        auto found = existing_.find(name);
        if (found == existing_.end())
            return false;
        for (const auto& [number, container] : found->second) {
            if (container.state == "running")
                return true;
        }
        return false;
    }

    /// A taken host port is reported before anything is made. Ports held by
    /// the project's own running containers are theirs to keep.
    void check_ports() {
        for (const auto& name : selected_) {
            if (has_running_container(name))
                continue;
            for (const auto& port : service(name).ports) {
                int number = 0;
                try {
                    number = port.published.empty() ? 0 : std::stoi(port.published);
                } catch (const std::exception&) {
                }
                if (number > 0 && !port_is_free(port.host_ip, number, port.protocol)) {
                    throw PortInUse(name, port.host_ip, number);
                }
            }
        }
    }

    void make_networks() {
        std::set<std::string> keys;
        for (const auto& name : selected_) {
            for (const auto& [key, attachment] : service(name).networks)
                keys.insert(key);
        }
        for (const auto& key : keys) {
            auto found = project_.networks.find(key);
            if (found == project_.networks.end())
                continue;
            const compose::Network& network = found->second;
            if (engine_.network_inspect(network.name))
                continue;
            if (network.external) {
                throw UsageError("network " + network.name +
                                 " is declared external but does not exist; create it first");
            }
            NetworkSpec spec = orchestrate::network_spec(network);
            spec.labels[compose_labels::project] = project_.name;
            spec.labels[compose_labels::network] = key;
            for (const auto& [label, value] : options_.owner_labels)
                spec.labels[label] = value;
            spec.labels[compose_labels::version] = "1.29.2";
            create_network(key, spec);
            created_.networks.push_back(network.name);
            changed_ = true;
        }
    }

    /// What a create the engine warned about (and berth undid) reports: the
    /// compose object, the engine's words, and which setting to change.
    std::string warning_report(const std::string& subject, const std::string& made,
                               const std::string& removed, const EngineWarning& warned,
                               const std::string& setting) const {
        std::string report = subject + ": the engine warned when it created " + made +
                             ", so berth removed " + removed +
                             (options_.keep_on_failure ? "" : "; what this up made is taken away");
        for (const auto& warning : warned.warnings())
            report += "\n  engine says: " + warning;
        return report + "\n  hint: change or remove " + setting +
               " that the warning is about, then run up again";
    }

    /// A network the engine warns it made other than asked (it removed it
    /// again) stops up, naming the compose network.
    void create_network(const std::string& key, const NetworkSpec& spec) {
        try {
            engine_.network_create(spec);
        } catch (const EngineWarning& warned) {
            throw UsageError(warning_report("network " + key, spec.name, "it", warned,
                                            "the network's driver_opts or ipam setting"));
        }
    }

    void make_volumes() {
        std::set<std::string> keys;
        for (const auto& name : selected_) {
            for (const auto& volume : service(name).volumes) {
                if (volume.type == compose::ServiceVolume::Type::volume && !volume.source.empty())
                    keys.insert(volume.source);
            }
        }
        for (const auto& key : keys) {
            auto found = project_.volumes.find(key);
            if (found == project_.volumes.end())
                continue;
            const compose::Volume& volume = found->second;
            if (engine_.volume_inspect(volume.name))
                continue;
            if (volume.external) {
                throw UsageError("volume " + volume.name +
                                 " is declared external but does not exist; create it first");
            }
            VolumeSpec spec;
            spec.name = volume.name;
            if (!volume.driver.empty())
                spec.driver = volume.driver;
            spec.driver_options = volume.driver_opts;
            spec.labels = volume.labels;
            spec.labels[compose_labels::project] = project_.name;
            spec.labels[compose_labels::volume] = key;
            for (const auto& [label, value] : options_.owner_labels)
                spec.labels[label] = value;
            spec.labels[compose_labels::version] = "1.29.2";
            engine_.volume_create(spec);
            created_.volumes.push_back(volume.name);
            changed_ = true;
        }
    }

    /// Each service's secrets and configs, read before anything is made: a
    /// missing file or variable stops up with nothing left behind.
    void read_service_files() {
        for (const auto& name : selected_) {
            service_files_[name] = orchestrate::service_files(project_, service(name));
            const std::string& policy = service(name).pull_policy;
            if (policy.rfind("every_", 0) == 0 && !orchestrate::refresh_interval(policy)) {
                throw UsageError("service " + name + ": pull_policy '" + policy +
                                 "': the part after every_ is not a duration (write e.g. "
                                 "every_12h or every_1h30m); nothing was created");
            }
        }
    }

    /// Images first, before anything is created: a pull or build that cannot
    /// start must leave no network or volume behind.
    void make_images() {
        std::vector<std::string> to_build;
        // Services that build the same image (the Slurm stack's controller
        // and compute nodes) build it once.
        std::set<std::string> images_to_build;
        std::vector<std::pair<std::string, std::string>> built_by_another;
        for (const auto& level : levels_) {
            for (const auto& name : level) {
                const compose::Service& each = service(name);
                std::string image = orchestrate::image_name(project_, each);
                if (images_to_build.count(image)) {
                    built_by_another.emplace_back(name, image);
                    continue;
                }
                auto present = engine_.image_inspect(image);
                if (pull_if_due(each, image, present.has_value()))
                    present = engine_.image_inspect(image);
                bool rebuild = options_.build || each.pull_policy == "build";
                if (each.build && (!present || rebuild)) {
                    to_build.push_back(name);
                    images_to_build.insert(image);
                    continue;
                }
                if (!present) {
                    throw ServiceFailed(name, "has no image",
                                        "service " + name + ": image " + image +
                                            " is not on this engine and pull_policy is '" +
                                            each.pull_policy +
                                            "'; nothing was created. Build it (a `build:` "
                                            "section) or load it first");
                }
                image_ids_[name] = present->id;
            }
        }
        prepare_build_bases(to_build);
        for (const auto& name : to_build)
            build_image(name);
        for (const auto& [name, image] : built_by_another) {
            auto present = engine_.image_inspect(image);
            if (!present)
                throw EngineError("build image", image, 0, "the build finished but left no image");
            image_ids_[name] = present->id;
        }
    }

    /// Pulls a service's image when its pull_policy says so. A service that
    /// builds pulls only when its policy asks for pulls explicitly (berth
    /// does not try a registry before a build as docker compose v2 does),
    /// and falls back to its build when the pull fails. Returns whether it pulled.
    bool pull_if_due(const compose::Service& each, const std::string& image, bool present) {
        const std::string& policy = each.pull_policy;
        if (each.image.empty() ||
            (each.build && (policy.empty() || policy == "missing" || policy == "if_not_present"))) {
            return false;
        }
        const std::string endpoint = engine_.endpoint().uri();
        if (!orchestrate::should_pull(policy, present, orchestrate::last_pull(endpoint, image),
                                      orchestrate::WallClock::now())) {
            return false;
        }
        report(ServiceEvent::Kind::pulling, each.name, image);
        try {
            engine_.image_pull(image, output_to(each.name));
        } catch (const Error& error) {
            if (each.build)
                return false;
            throw ServiceFailed(
                each.name, "pull failed",
                "service " + each.name + ": pulling " + image + " (pull_policy " +
                    (policy.empty() ? "missing" : policy) +
                    ") failed; nothing was created.\n  engine says: " + error.what() +
                    "\n  hint: check the registry's address and credentials "
                    "(~/.docker/config.json or $REGISTRY_AUTH_FILE `auths`)");
        }
        orchestrate::record_pull(endpoint, image);
        return true;
    }

    /// Every image the builds start FROM, on the engine before the first
    /// build: berth's own base image is imported or bootstrapped, any other
    /// is pulled, and one that cannot be had stops `up` naming its FROM line.
    void prepare_build_bases(const std::vector<std::string>& to_build) {
        std::set<std::string> seen;
        for (const auto& name : to_build) {
            const compose::BuildSpec& build = *service(name).build;
            auto file = orchestrate::containerfile_path(build.context, build.dockerfile);
            std::string text = build.dockerfile_inline;
            if (text.empty()) {
                std::ifstream input(file);
                if (!input)
                    continue;  // the build itself reports a missing Containerfile
                text.assign((std::istreambuf_iterator<char>(input)), {});
            } else {
                file = "service " + name + " build.dockerfile_inline";
            }
            for (const auto& base : orchestrate::containerfile_bases(text, file, build.args)) {
                if (!seen.insert(base.image).second || engine_.image_exists(base.image))
                    continue;
                if (same_image_name(base.image, options_.base_image.reference)) {
                    make_berth_base_image(name);
                    continue;
                }
                report(ServiceEvent::Kind::pulling, name, base.image);
                try {
                    engine_.image_pull(base.image, output_to(base.image));
                } catch (const Error& error) {
                    throw BaseImageMissing(name, base.image,
                                           base.file.string() + ":" + std::to_string(base.line),
                                           error.what());
                }
            }
        }
    }

    void make_berth_base_image(const std::string& service_name) {
        const BaseImageOptions& base = options_.base_image;
        auto cached = cached_root_filesystem(base);
        bool from_cache = !cached.empty() && std::filesystem::exists(cached);
        report(ServiceEvent::Kind::importing, service_name,
               from_cache ? base.reference + " from " + cached.string()
                          : base.reference + ": bootstrapping Debian " + base.suite +
                                " with debootstrap (takes minutes)");
        auto outcome = ensure_base_image(engine_, base, output_to(base.reference));
        report(ServiceEvent::Kind::imported, service_name,
               base.reference + (outcome == BaseImageOutcome::bootstrapped
                                     ? " bootstrapped and imported"
                                     : " imported"));
    }

    void build_image(const std::string& name) {
        const compose::Service& each = service(name);
        std::string image = orchestrate::image_name(project_, each);
        report(ServiceEvent::Kind::building, name, image);
        engine_.image_build(orchestrate::build_options(project_, each), output_to(name));
        auto present = engine_.image_inspect(image);
        if (!present)
            throw EngineError("build image", image, 0, "the build finished but left no image");
        report(ServiceEvent::Kind::built, name, image);
        image_ids_[name] = present->id;
        changed_ = true;
    }

    ProgressCallback output_to(const std::string& task) const {
        if (!options_.output)
            return {};
        return [this, task](const Progress& line) { options_.output(task, line); };
    }

    /// What progress lines and failure reports call one container.
    std::string label(const std::string& name, int number) const {
        return replicas_.at(name) > 1 || number > 1 ? name + "-" + std::to_string(number) : name;
    }

    /// Brings the service to its replica count: containers beyond it are
    /// removed, each of the others created (or kept, or recreated) and
    /// started, in parallel. Returns their ids by replica number.
    std::vector<std::string> bring_up(const std::string& name) {
        int count = replicas_.at(name);
        std::vector<std::string> surplus;
        auto found = existing_.find(name);
        if (found != existing_.end()) {
            for (const auto& [number, container] : found->second) {
                if (number > count)
                    surplus.push_back(container.id);
            }
        }
        in_parallel(surplus.size(), [&](std::size_t index) {
            engine_.container_stop(surplus[index], std::nullopt);
            engine_.container_remove(surplus[index], {.force = true, .volumes = true});
            report(ServiceEvent::Kind::removed, name, "container " + surplus[index].substr(0, 12));
            changed_ = true;
        });
        std::vector<std::string> ids(static_cast<std::size_t>(count));
        in_parallel(ids.size(), [&](std::size_t index) {
            ids[index] = bring_up_replica(name, static_cast<int>(index) + 1);
        });
        return ids;
    }

    /// Creates (or keeps, or recreates) and starts one container of a service.
    std::string bring_up_replica(const std::string& name, int number) {
        const compose::Service& each = service(name);
        const std::string shown = label(name, number);
        ContainerSpec spec = orchestrate::container_spec(
            project_, each, orchestrate::image_name(project_, each), number);
        // image_ids_ is complete before the pool starts and only read here:
        // at(), unlike operator[], never inserts from several threads.
        const auto& files = service_files_.at(name);
        std::string hash = orchestrate::config_hash(
            spec, image_ids_.at(name) + orchestrate::service_files_digest(files));
        spec.labels[compose_labels::config_hash] = hash;
        for (const auto& [key, value] : options_.owner_labels)
            spec.labels[key] = value;
        const ContainerSummary* current = existing_container(name, number);
        if (current != nullptr) {
            auto hash_label = current->labels.find(compose_labels::config_hash);
            bool same = hash_label != current->labels.end() && hash_label->second == hash;
            if ((same && options_.recreate != UpOptions::Recreate::always) ||
                options_.recreate == UpOptions::Recreate::never) {
                if (current->state == "running" || !options_.start) {
                    report(ServiceEvent::Kind::unchanged, shown);
                    return current->id;
                }
                report(ServiceEvent::Kind::starting, shown);
                start(name, current->id);
                changed_ = true;
                return current->id;
            }
            report(ServiceEvent::Kind::recreating, shown);
            // As docker compose does: the old container gets its grace period.
            engine_.container_stop(current->id, std::nullopt);
            engine_.container_remove(current->id, {.force = true});
        } else {
            report(ServiceEvent::Kind::creating, shown);
        }
        changed_ = true;
        std::string id = create(name, spec);
        {
            std::lock_guard lock(created_.mutex);
            created_.containers.push_back(id);
        }
        auto networks = orchestrate::service_networks(project_, each);
        for (std::size_t i = 1; i < networks.size(); ++i) {
            engine_.network_connect(networks[i].first, id, networks[i].second);
        }
        orchestrate::put_service_files(engine_, id, name, files);
        if (options_.start) {
            report(ServiceEvent::Kind::starting, shown);
            start(name, id);
        }
        return id;
    }

    /// Creates a container; one the engine warns it made other than the
    /// compose file says (it removed it again) fails the service.
    std::string create(const std::string& name, const ContainerSpec& spec) {
        try {
            return engine_.container_create(spec);
        } catch (const EngineWarning& warned) {
            throw ServiceFailed(name, "engine warning",
                                warning_report("service " + name, spec.name,
                                               "the container rather than run it other than the "
                                               "compose file says",
                                               warned, "the key of service " + name));
        }
    }

    /// Starts a container and runs its post_start hooks.
    void start(const std::string& name, const std::string& id) {
        try {
            engine_.container_start(id);
        } catch (const EngineError& refused) {
            throw ServiceFailed(
                name, "start failed",
                "service " + name + ": the engine could not start container " + id.substr(0, 12) +
                    (options_.keep_on_failure ? "" : "; what this up made is taken away") +
                    "\n  engine says: " + refused.engine_message() +
                    "\n  hint: " + start_hint(name, refused.engine_message()));
        }
        orchestrate::run_hooks(engine_, id, name, "post_start", service(name).post_start);
    }

    const ContainerSummary* existing_container(const std::string& name, int number) const {
        auto found = existing_.find(name);
        if (found == existing_.end())
            return nullptr;
        auto container = found->second.find(number);
        return container == found->second.end() ? nullptr : &container->second;
    }

    /// Waits for every container of the service; its dependants start only
    /// when all of them are what they need.
    void wait_for(const std::string& name, const std::vector<std::string>& ids, Readiness wanted) {
        in_parallel(ids.size(), [&](std::size_t index) {
            const std::string shown = label(name, static_cast<int>(index) + 1);
            {
                std::lock_guard lock(progress_mutex_);
                if (wanted == Readiness::healthy && seen_healthy_.count(ids[index]))
                    return;  // waited for already, before its dependants started
            }
            if (wanted != Readiness::running)
                report(ServiceEvent::Kind::waiting, shown);
            orchestrate::wait_until(engine_, shown, ids[index], wanted,
                                    started_ + options_.wait_timeout);
            if (wanted == Readiness::healthy) {
                std::lock_guard lock(progress_mutex_);
                seen_healthy_.insert(ids[index]);
            }
            report(wanted == Readiness::healthy ? ServiceEvent::Kind::healthy
                                                : ServiceEvent::Kind::running,
                   shown);
        });
    }

    /// Runs task(0) .. task(count - 1) on a pool, and rethrows the first
    /// failure after all have finished.
    void in_parallel(std::size_t count, const std::function<void(std::size_t)>& task) {
        if (count == 0)
            return;
        boost::asio::thread_pool pool(std::min<std::size_t>(count, 8));
        std::vector<std::future<void>> results;
        for (std::size_t index = 0; index < count; ++index) {
            auto promise = std::make_shared<std::promise<void>>();
            results.push_back(promise->get_future());
            boost::asio::post(pool, [promise, index, &task] {
                try {
                    task(index);
                    promise->set_value();
                } catch (...) {
                    promise->set_exception(std::current_exception());
                }
            });
        }
        pool.join();
        std::exception_ptr first;
        for (auto& result : results) {
            try {
                result.get();
            } catch (...) {
                if (!first)
                    first = std::current_exception();
            }
        }
        if (first)
            std::rethrow_exception(first);
    }

    void in_parallel(const std::vector<std::string>& names,
                     const std::function<void(const std::string&)>& task) {
        in_parallel(names.size(), [&](std::size_t index) { task(names[index]); });
    }

    void start_levels() {
        std::map<std::string, std::vector<std::string>> ids;
        std::mutex ids_mutex;
        for (const auto& level : levels_) {
            in_parallel(level, [&](const std::string& name) {
                auto made = bring_up(name);
                std::lock_guard lock(ids_mutex);
                ids[name] = std::move(made);
            });
            if (!options_.start)
                continue;  // nothing runs, so nothing to wait for
            // The next level starts once this one is what it needs.
            in_parallel(level, [&](const std::string& name) {
                auto needed = needed_.find(name);
                if (needed != needed_.end())
                    wait_for(name, ids.at(name), needed->second);
            });
        }
        if (!options_.wait || !options_.start)
            return;
        std::vector<std::string> all(selected_.begin(), selected_.end());
        in_parallel(all, [&](const std::string& name) {
            auto needed = needed_.find(name);
            if (needed != needed_.end() && needed->second == Readiness::completed)
                return;
            wait_for(name, ids.at(name), Readiness::healthy);
        });
    }

    void take_away_what_was_made() {
        for (const auto& id : created_.containers) {
            try {
                engine_.container_remove(id, {.force = true, .volumes = true});
            } catch (const Error&) {
            }
        }
        for (const auto& network : created_.networks) {
            try {
                engine_.network_remove(network);
            } catch (const Error&) {
            }
        }
        for (const auto& volume : created_.volumes) {
            try {
                engine_.volume_remove(volume, true);
            } catch (const Error&) {
            }
        }
    }

    Engine& engine_;
    const compose::Project& project_;
    const UpOptions& options_;
    Clock::time_point started_;
    std::mutex progress_mutex_;
    std::set<std::string> selected_;
    /// Containers berth's own probe saw healthy.
    std::set<std::string> seen_healthy_;
    std::vector<std::vector<std::string>> levels_;
    std::map<std::string, Readiness> needed_;
    std::map<std::string, int> replicas_;
    /// The project's containers before this up, by service and number.
    std::map<std::string, std::map<int, ContainerSummary>> existing_;
    std::map<std::string, std::string> image_ids_;
    /// Filled before the pool starts and only read from it, like image_ids_.
    std::map<std::string, std::vector<orchestrate::ServiceFile>> service_files_;
    Created created_;
    /// Set from the pool threads of start_levels as well as from this one.
    std::atomic<bool> changed_{false};
};

}  // namespace

const char* to_string(ServiceEvent::Kind kind) {
    switch (kind) {
        case ServiceEvent::Kind::importing:
            return "Importing";
        case ServiceEvent::Kind::imported:
            return "Imported";
        case ServiceEvent::Kind::pulling:
            return "Pulling";
        case ServiceEvent::Kind::building:
            return "Building";
        case ServiceEvent::Kind::built:
            return "Built";
        case ServiceEvent::Kind::creating:
            return "Creating";
        case ServiceEvent::Kind::recreating:
            return "Recreating";
        case ServiceEvent::Kind::starting:
            return "Starting";
        case ServiceEvent::Kind::waiting:
            return "Waiting";
        case ServiceEvent::Kind::running:
            return "Running";
        case ServiceEvent::Kind::healthy:
            return "Healthy";
        case ServiceEvent::Kind::unchanged:
            return "Unchanged";
        case ServiceEvent::Kind::removed:
            return "Removed";
        case ServiceEvent::Kind::failed:
            return "Failed";
    }
    return "?";
}

ServiceFailed::ServiceFailed(std::string service, std::string reason, std::string report)
    : Error(std::move(report)), service_(std::move(service)), reason_(std::move(reason)) {}

BaseImageMissing::BaseImageMissing(std::string service, std::string image, std::string location,
                                   std::string engine_message)
    : Error("service " + service + ": " + location + " builds FROM " + image +
            ", which this engine does not have and could not pull; nothing was created.\n"
            "  engine says: " +
            engine_message + "\n  hint: build or load " + image +
            " on this engine first, or point the build at a base it has (the build argument "
            "in the compose file's build.args, or --build-arg)"),
      service_(std::move(service)),
      image_(std::move(image)),
      location_(std::move(location)),
      engine_message_(std::move(engine_message)) {}

PortInUse::PortInUse(std::string service, std::string host_ip, int port)
    : Error("service " + service + " publishes port " + std::to_string(port) + " on " +
            (host_ip.empty() ? "all interfaces" : host_ip) +
            ", but something else already listens there; nothing was created. Stop what holds the "
            "port "
            "(ss -ltnp 'sport = :" +
            std::to_string(port) + "') or choose another port."),
      service_(std::move(service)),
      port_(port) {}

UpResult up(Engine& engine, const compose::Project& project, const UpOptions& options) {
    // An engine that dies mid-way leaves things it could not be asked to
    // remove; say so, and what brings the project back to nothing.
    const std::string advice = "; when the engine is back, `berth down` (-p " + project.name +
                               ") removes what this up made";
    try {
        return UpRun(engine, project, options).run();
    } catch (const TransportError& error) {
        throw TransportError("up of project " + project.name, "",
                             "the engine at " + engine.endpoint().uri() + " stopped answering (" +
                                 error.what() + ")" + advice);
    } catch (const EngineUnreachable& error) {
        throw EngineUnreachable(
            error.endpoint(), error.reason(),
            "during up of project " + project.name + ": " + error.detail() + advice);
    }
}

}  // namespace berth
