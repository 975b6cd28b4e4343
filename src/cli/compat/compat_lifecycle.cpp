// docker-compose start, stop, restart, kill, rm, pause, unpause, top,
// images, build and pull.

#include "../progress_display.hpp"
#include "compat.hpp"
#include "orchestrate/hooks.hpp"
#include "orchestrate/service_spec.hpp"

#include <iomanip>
#include <iostream>
#include <set>

namespace berth::cli::compat {

namespace {

using RowAction = std::function<void(Engine&, const ContainerRow&)>;

/// Runs action on the containers of the named services (all by default).
/// The service's post_start or pre_stop hooks, run in the row's container
/// as `up` and `down` run them (compose runs them on start and stop too).
void run_hooks(Context& context, const ContainerRow& row, bool after_start) {
    const compose::Service* service = context.project().find_service(row.service);
    if (service == nullptr)
        return;  // a container of a service the files no longer name
    orchestrate::run_hooks(context.engine(), row.info.id, row.service,
                           after_start ? "post_start" : "pre_stop",
                           after_start ? service->post_start : service->pre_stop);
}

int for_containers(Context& context, const ParsedOptions& parsed, bool include_stopped,
                   const RowAction& action) {
    if (!parsed.operands.empty())
        check_services(context, parsed.operands);
    for (const auto& row : project_containers(context, parsed.operands, include_stopped))
        action(context.engine(), row);
    return 0;
}

std::optional<std::chrono::seconds> timeout_of(const ParsedOptions& parsed) {
    auto seconds = parsed.number("--timeout");
    return seconds ? std::optional(std::chrono::seconds(*seconds)) : std::nullopt;
}

int remove(Context& context, const ParsedOptions& parsed) {
    if (!parsed.has("--force")) {
        throw CommandLineError("rm",
                               "rm: docker compose asks before removing; berth never asks, "
                               "so it wants -f to remove");
    }
    bool stop = parsed.has("--stop");
    return for_containers(context, parsed, true, [&](Engine& engine, const ContainerRow& row) {
        if (row.info.state.running && !stop)
            return;  // compose removes stopped containers only, unless -s
        std::cerr << "Removing " << row.info.name << "\n";
        // -s stops as `stop` does, with the grace period; a forced remove kills.
        if (row.info.state.running)
            engine.container_stop(row.info.id, std::nullopt);
        engine.container_remove(row.info.id, {.force = stop, .volumes = parsed.has("--volumes")});
    });
}

void print_columns(const std::vector<std::vector<std::string>>& lines) {
    std::vector<std::size_t> widths;
    for (const auto& line : lines) {
        widths.resize(std::max(widths.size(), line.size()));
        for (std::size_t column = 0; column < line.size(); ++column)
            widths[column] = std::max(widths[column], line[column].size());
    }
    for (const auto& line : lines) {
        for (std::size_t column = 0; column < line.size(); ++column) {
            bool last = column + 1 == line.size();
            std::cout << std::left << std::setw(last ? 0 : static_cast<int>(widths[column] + 3))
                      << line[column];
        }
        std::cout << "\n";
    }
}

int top(Context& context, const ParsedOptions& parsed) {
    bool first = true;
    return for_containers(context, parsed, false, [&](Engine& engine, const ContainerRow& row) {
        ProcessList list = engine.container_top(row.info.id);
        std::vector<std::vector<std::string>> lines{list.titles};
        lines.insert(lines.end(), list.processes.begin(), list.processes.end());
        std::cout << (first ? "" : "\n") << row.info.name << "\n";
        first = false;
        print_columns(lines);
    });
}

std::string size_text(std::int64_t bytes) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / 1e6 << "MB";
    return text.str();
}

int images(Context& context, const ParsedOptions& parsed) {
    std::vector<std::vector<std::string>> lines{
        {"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"}};
    std::set<std::string> ids;
    for_containers(context, parsed, true, [&](Engine& engine, const ContainerRow& row) {
        auto image = engine.image_inspect(row.info.image_id);
        std::string id = row.info.image_id.substr(row.info.image_id.find(':') + 1).substr(0, 12);
        std::string reference = image && !image->tags.empty() ? image->tags[0] : row.info.image;
        auto colon = reference.rfind(':');
        bool has_tag =
            colon != std::string::npos && reference.find('/', colon) == std::string::npos;
        lines.push_back({row.info.name, has_tag ? reference.substr(0, colon) : reference,
                         has_tag ? reference.substr(colon + 1) : "latest", id,
                         image ? size_text(image->size_bytes) : ""});
        ids.insert(row.info.image_id);
    });
    if (parsed.has("--quiet")) {
        for (const auto& id : ids)
            std::cout << id << "\n";
    } else {
        print_columns(lines);
    }
    return 0;
}

/// The services build or pull work on: the named ones, else all.
std::vector<const compose::Service*> chosen_services(Context& context,
                                                     const ParsedOptions& parsed) {
    check_services(context, parsed.operands);
    std::vector<const compose::Service*> chosen;
    for (const auto& service : context.project().services) {
        if (parsed.operands.empty() || std::find(parsed.operands.begin(), parsed.operands.end(),
                                                 service.name) != parsed.operands.end())
            chosen.push_back(&service);
    }
    return chosen;
}

int build(Context& context, const ParsedOptions& parsed) {
    ProgressDisplay display(parsed.has("--quiet") ? ProgressMode::quiet : ProgressMode::automatic,
                            "build-" + context.project_name());
    try {
        for (const compose::Service* service : chosen_services(context, parsed)) {
            if (!service->build)
                continue;  // compose skips services that only name an image
            BuildOptions options = orchestrate::build_options(context.project(), *service);
            options.no_cache = parsed.has("--no-cache");
            for (const auto& pair : parsed.values("--build-arg")) {
                auto equals = pair.find('=');
                if (equals == std::string::npos)
                    throw CommandLineError(
                        "build", "build: --build-arg wants NAME=VALUE, not '" + pair + "'");
                options.build_args[pair.substr(0, equals)] = pair.substr(equals + 1);
            }
            display.event(service->name, "Building", options.tags.front());
            context.engine().image_build(
                options, [&](const Progress& line) { display.output(service->name, line); });
            display.event(service->name, "Built", options.tags.front(), true);
        }
    } catch (const Error&) {
        display.report_failure();
        throw;
    }
    display.finish();
    return 0;
}

int pull(Context& context, const ParsedOptions& parsed) {
    ProgressDisplay display(parsed.has("--quiet") ? ProgressMode::quiet : ProgressMode::automatic,
                            "pull-" + context.project_name());
    for (const compose::Service* service : chosen_services(context, parsed)) {
        if (service->image.empty() || service->build)
            continue;  // built images are not pulled, as compose v1 does
        display.event(service->name, "Pulling", service->image);
        try {
            context.engine().image_pull(
                service->image, [&](const Progress& line) { display.output(service->name, line); });
            display.event(service->name, "Pulled", service->image, true);
        } catch (const Error& error) {
            display.report_failure();
            if (!parsed.has("--ignore-pull-failures"))
                throw;
            std::cerr << service->name << ": " << error.what() << "\n";
        }
    }
    display.finish();
    return 0;
}

}  // namespace

std::vector<Command> lifecycle_commands(Context& context) {
    auto on_each = [&context](bool include_stopped, RowAction action) {
        return [&context, include_stopped, action](const ParsedOptions& parsed) {
            return for_containers(
                context, parsed, include_stopped,
                [&](Engine& engine, const ContainerRow& row) { action(engine, row); });
        };
    };
    const OptionSpec timeout{{"-t", "--timeout"}, "SECONDS", "Stop timeout"};
    std::vector<Command> commands{
        {{"start", "[SERVICE...]", "Start the services' existing containers.", {}},
         on_each(true,
                 [&context](Engine& engine, const ContainerRow& row) {
                     if (engine.container_start(row.info.id))
                         run_hooks(context, row, true);
                 })},
        {{"pause", "[SERVICE...]", "Pause the services' running containers.", {}},
         on_each(false, [](Engine& engine,
                           const ContainerRow& row) { engine.container_pause(row.info.id); })},
        {{"unpause", "[SERVICE...]", "Unpause the services' paused containers.", {}},
         on_each(true,
                 [](Engine& engine, const ContainerRow& row) {
                     if (row.info.state.status == "paused")
                         engine.container_unpause(row.info.id);
                 })},
        {{"rm",
          "[SERVICE...]",
          "Remove the services' stopped containers.",
          {{{"-f", "--force"}, "", "Do not ask (berth never asks, and wants -f)"},
           {{"-s", "--stop"}, "", "Stop running containers first"},
           {{"-v", "--volumes"}, "", "Remove their anonymous volumes too"}}},
         [&context](const ParsedOptions& parsed) { return remove(context, parsed); }},
        {{"top", "[SERVICE...]", "Show the processes of the services' running containers.", {}},
         [&context](const ParsedOptions& parsed) { return top(context, parsed); }},
        {{"images",
          "[SERVICE...]",
          "List the images the project's containers run.",
          {{{"-q", "--quiet"}, "", "Only the image IDs"}}},
         [&context](const ParsedOptions& parsed) { return images(context, parsed); }},
        {{"build",
          "[SERVICE...]",
          "Build the services' images (the engine's build cache is used).",
          {{{"--no-cache"}, "", "Do not use the build cache"},
           {{"--build-arg"}, "NAME=VALUE", "A build argument (repeatable)"},
           {{"-q", "--quiet"}, "", "No progress"}}},
         [&context](const ParsedOptions& parsed) { return build(context, parsed); }},
        {{"pull",
          "[SERVICE...]",
          "Pull the images of services that name one (and build none).",
          {{{"-q", "--quiet"}, "", "No progress"},
           {{"--ignore-pull-failures"}, "", "Report failed pulls and go on"}}},
         [&context](const ParsedOptions& parsed) { return pull(context, parsed); }},
    };
    commands.push_back(
        {{"stop", "[SERVICE...]", "Stop the services' running containers.", {timeout}},
         [&context](const ParsedOptions& parsed) {
             auto seconds = timeout_of(parsed);
             return for_containers(context, parsed, false,
                                   [&](Engine& engine, const ContainerRow& row) {
                                       run_hooks(context, row, false);
                                       engine.container_stop(row.info.id, seconds);
                                   });
         }});
    commands.push_back({{"restart", "[SERVICE...]", "Restart the services' containers.", {timeout}},
                        [&context](const ParsedOptions& parsed) {
                            auto seconds = timeout_of(parsed);
                            return for_containers(context, parsed, true,
                                                  [&](Engine& engine, const ContainerRow& row) {
                                                      if (row.info.state.running)
                                                          run_hooks(context, row, false);
                                                      engine.container_stop(row.info.id, seconds);
                                                      engine.container_start(row.info.id);
                                                      run_hooks(context, row, true);
                                                  });
                        }});
    commands.push_back({{"kill",
                         "[SERVICE...]",
                         "Send a signal (default SIGKILL) to the services' containers.",
                         {{{"-s", "--signal"}, "SIGNAL", "The signal, e.g. SIGTERM"}}},
                        [&context](const ParsedOptions& parsed) {
                            std::string signal = parsed.value("--signal").value_or("SIGKILL");
                            return for_containers(context, parsed, false,
                                                  [&](Engine& engine, const ContainerRow& row) {
                                                      engine.container_kill(row.info.id, signal);
                                                  });
                        }});
    return commands;
}

}  // namespace berth::cli::compat
