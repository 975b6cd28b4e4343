// docker-compose up, down, ps, port and config.

#include "../progress_display.hpp"
#include "compat.hpp"
#include "orchestrate/service_spec.hpp"

#include <berth/compose/serialize.hpp>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <iomanip>
#include <iostream>
#include <set>
#include <thread>

namespace berth::cli::compat {

namespace {

/// As compose removes orphans: stopped within their grace period first.
void remove_containers(Engine& engine, const std::vector<ContainerRow>& rows) {
    for (const auto& row : rows) {
        engine.container_stop(row.info.id, std::nullopt);
        engine.container_remove(row.info.id, {.force = true});
    }
}

/// --no-build: every image a build section would make must be there already.
void check_images_present(Context& context, const std::vector<std::string>& services) {
    for (const auto& service : context.project().services) {
        bool selected = services.empty() ||
                        std::find(services.begin(), services.end(), service.name) != services.end();
        std::string image = orchestrate::image_name(context.project(), service);
        if (selected && service.build && !context.engine().image_exists(image)) {
            throw UsageError("service " + service.name + " needs image " + image +
                             ", which is not built, and --no-build forbids building it");
        }
    }
}

UpOptions up_options(Context& context, const ParsedOptions& parsed) {
    if (parsed.has("--build") && parsed.has("--no-build"))
        throw CommandLineError("up", "up: --build and --no-build contradict each other");
    if (parsed.has("--force-recreate") && parsed.has("--no-recreate"))
        throw CommandLineError("up",
                               "up: --force-recreate and --no-recreate contradict each other");
    if (parsed.has("--wait") && parsed.has("--no-start"))
        throw CommandLineError("up", "up: --wait and --no-start contradict each other");
    UpOptions options;
    // compose's up -d waits only for depends_on conditions; --wait for health.
    options.wait = parsed.has("--wait");
    if (auto seconds = parsed.number("--wait-timeout"))
        options.wait_timeout = std::chrono::seconds(*seconds);
    options.build = parsed.has("--build");
    options.no_deps = parsed.has("--no-deps");
    options.start = !parsed.has("--no-start");
    options.scale = parsed.counts("--scale");
    options.recreate = parsed.has("--force-recreate") ? UpOptions::Recreate::always
                       : parsed.has("--no-recreate")  ? UpOptions::Recreate::never
                                                      : UpOptions::Recreate::changed;
    options.services = parsed.operands;
    check_services(context, options.services);
    return options;
}

/// up without -d: as docker compose, print the services' output until they
/// all stop, or until Ctrl-C (SIGINT) or SIGTERM, which stops them (exit 130).
class Attached {
  public:
    /// Blocks the two signals before any thread starts, so that every thread
    /// inherits the mask and only the watcher below takes them.
    Attached() {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    }

    int follow(Context& context, const std::vector<std::string>& services) {
        std::atomic<bool> done = false;
        std::atomic<int> caught = 0;
        CancelToken stop;
        std::thread watcher([&] {
            const timespec tick{0, 100'000'000};
            while (!done) {
                int signal = sigtimedwait(&signals_, nullptr, &tick);
                if (signal > 0) {
                    caught = signal;
                    stop.cancel();
                    return;
                }
            }
        });
        LogOptions options;
        options.follow = true;
        int status =
            stream_logs(context, project_containers(context, services, true), options, true, stop);
        done = true;
        watcher.join();
        if (caught == 0)
            return status;  // every container stopped by itself
        std::cerr << "Gracefully stopping...\n";
        for (const auto& row : project_containers(context, services, false))
            context.engine().container_stop(row.info.id);
        return 130;
    }

  private:
    sigset_t signals_;
};

int up(Context& context, const ParsedOptions& parsed) {
    std::optional<Attached> attached;
    if (!parsed.has("--detach") && !parsed.has("--wait") && !parsed.has("--no-start"))
        attached.emplace();
    UpOptions options = up_options(context, parsed);
    const compose::Project& project = context.project();
    Engine& engine = context.engine();
    if (parsed.has("--no-build"))
        check_images_present(context, options.services);
    if (parsed.has("--remove-orphans")) {
        std::vector<ContainerRow> orphans;
        for (auto& row : project_containers(context, {}, true, false)) {
            if (project.find_service(row.service) == nullptr)
                orphans.push_back(row);
        }
        remove_containers(engine, orphans);
    }
    ProgressDisplay display(ProgressMode::automatic, "up-" + project.name);
    bool quiet_pull = parsed.has("--quiet-pull");
    options.progress = [&display, quiet_pull](const ServiceEvent& event) {
        if (!(quiet_pull && event.kind == ServiceEvent::Kind::pulling))
            display.event(event);
    };
    options.output = [&display](const std::string& task, const Progress& line) {
        display.output(task, line);
    };
    try {
        berth::up(engine, project, options);
    } catch (const Error&) {
        display.report_failure();
        throw;
    }
    display.finish();
    return attached ? attached->follow(context, options.services) : 0;
}

/// --rmi local: images compose built (no `image:` key); all: every image.
void remove_images(Context& context, const std::string& which) {
    std::set<std::string> images;
    for (const auto& service : context.project().services) {
        if (which == "all" || service.image.empty())
            images.insert(orchestrate::image_name(context.project(), service));
    }
    for (const auto& image : images) {
        try {
            context.engine().image_remove(image);
        } catch (const NotFound&) {
            // never built or pulled: nothing to remove, as compose says nothing
        }
    }
}

int down(Context& context, const ParsedOptions& parsed) {
    if (!parsed.operands.empty())
        throw CommandLineError("down", "down: takes no services, got '" + parsed.operands[0] + "'");
    auto rmi = parsed.value("--rmi");
    if (rmi && *rmi != "local" && *rmi != "all")
        throw CommandLineError("down", "down: --rmi takes local or all, not '" + *rmi + "'");
    DownOptions options;
    options.remove_volumes = parsed.has("--volumes");
    if (auto seconds = parsed.number("--timeout"))
        options.timeout = std::chrono::seconds(*seconds);
    const compose::Project* project = nullptr;
    try {
        project = &context.project();
    } catch (const Error&) {
        // With -p the labels alone are enough to take the project away.
        if (!context.arguments().load.project_name || rmi)
            throw;
    }
    berth::down(context.engine(), context.project_name(), project, options);
    if (rmi)
        remove_images(context, *rmi);
    return 0;
}

}  // namespace

std::vector<Command> ps_commands(Context& context);

std::vector<Command> stack_commands(Context& context) {
    std::vector<Command> commands{
        {{"up",
          "[SERVICE...]",
          "Create and start the services (and what they depend on). Without -d or --wait,\n"
          "print their output until they all stop, or until Ctrl-C, which stops them (exit 130).",
          {{{"-d", "--detach"}, "", "Start and return (depends_on conditions are still honoured)"},
           {{"--wait"}, "", "Start and wait until running and healthy"},
           {{"--wait-timeout"}, "SECONDS", "Give up waiting after this long (default 300)"},
           {{"--build"}, "", "Build images before starting (the engine's cache is used)"},
           {{"--no-build"}, "", "Fail when an image to build is missing"},
           {{"--force-recreate"}, "", "Recreate containers even when unchanged"},
           {{"--no-recreate"}, "", "Keep existing containers even when changed"},
           {{"--remove-orphans"}, "", "Remove containers of services the files no longer name"},
           {{"--no-start"}, "", "Create the containers but start none"},
           {{"--quiet-pull"}, "", "No progress lines for pulls"},
           {{"--no-deps"}, "", "Do not start the services' dependencies"},
           {{"--scale"}, "SERVICE=N", "Run N containers of the service (repeatable; over scale)"}},
          false,
          "Refused (unknown option): --abort-on-container-exit, --exit-code-from,\n"
          "--attach*, --timestamps, -t, --renew-anon-volumes, --always-recreate-deps, --pull.\n"},
         [&context](const ParsedOptions& parsed) { return up(context, parsed); }},
        {{"down",
          "",
          "Stop and remove the project's containers and networks. Containers of services the\n"
          "files no longer name go too, with or without --remove-orphans.",
          {{{"-v", "--volumes"}, "", "Also remove the named volumes of the project"},
           {{"--remove-orphans"}, "", "Remove orphans too (berth always does)"},
           {{"--rmi"}, "local|all", "Remove the images built (local) or used (all)"},
           {{"-t", "--timeout"}, "SECONDS", "Stop timeout"}}},
         [&context](const ParsedOptions& parsed) { return down(context, parsed); }},
    };
    for (auto& each : ps_commands(context))
        commands.push_back(std::move(each));
    return commands;
}

}  // namespace berth::cli::compat
