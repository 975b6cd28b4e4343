// `berth up`, `down`, `ps`, `logs` and `exec`, shaped like docker compose.

#include "commands.hpp"
#include "progress_display.hpp"
#include "project_arguments.hpp"

#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>
#include <berth/slurm/cluster.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace berth::cli {

namespace {

/// "" for a service without a healthcheck, as the JSON schema and the
/// table have always shown it.
std::string health_text(HealthStatus health) {
    return health == HealthStatus::none ? std::string() : to_string(health);
}

nlohmann::json status_json(const ServiceStatus& status) {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& port : status.ports) {
        ports.push_back({{"container_port", port.container_port},
                         {"protocol", port.protocol},
                         {"host_ip", port.host_ip},
                         {"host_port", port.host_port}});
    }
    return {{"service", status.service},
            {"number", status.number},
            {"container", status.container_name},
            {"id", status.container_id},
            {"state", status.state},
            {"health", health_text(status.health)},
            {"exit_code", status.exit_code},
            {"ports", ports}};
}

std::string ports_text(const ServiceStatus& status) {
    std::string text;
    for (const auto& port : status.ports) {
        if (!text.empty())
            text += ", ";
        text += (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" +
                std::to_string(port.host_port) + "->" + std::to_string(port.container_port) + "/" +
                port.protocol;
    }
    return text;
}

}  // namespace

nlohmann::json stack_json(const std::string& project, Engine& engine,
                          const std::vector<ServiceStatus>& services) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& status : services)
        list.push_back(status_json(status));
    nlohmann::json document = {{"project", project},
                               {"backend", to_string(engine.backend().kind)},
                               {"rootless", engine.backend().rootless},
                               {"endpoint", engine.backend().endpoint},
                               {"host_address", engine.backend().host_address},
                               {"services", list}};
    auto cluster = SlurmCluster::of(engine, services);
    document["slurm"] =
        cluster ? nlohmann::json::parse(cluster->to_json()) : nlohmann::json(nullptr);
    return document;
}

namespace {

void print_table(const std::vector<ServiceStatus>& services) {
    std::cout << std::left << std::setw(16) << "SERVICE" << std::setw(28) << "CONTAINER"
              << std::setw(22) << "STATE"
              << "PORTS\n";
    for (const auto& status : services) {
        std::string state = status.state;
        if (status.health != HealthStatus::none)
            state += " (" + health_text(status.health) + ")";
        if (status.state == "exited")
            state += " (" + std::to_string(status.exit_code) + ")";
        std::cout << std::setw(16) << status.service << std::setw(28) << status.container_name
                  << std::setw(22) << state << ports_text(status) << "\n";
    }
}

ProgressMode progress_option(const ParsedOptions& parsed) {
    auto mode = parsed.value("--progress");
    return mode ? parse_progress_mode(*mode) : ProgressMode::automatic;
}

int up(const ParsedOptions& parsed) {
    ProjectArguments arguments = project_arguments(parsed);
    UpOptions options;
    options.wait = !parsed.has("--no-wait");
    if (auto seconds = parsed.number("--wait-timeout"))
        options.wait_timeout = std::chrono::seconds(*seconds);
    options.build = parsed.has("--build");
    options.keep_on_failure = parsed.has("--keep-on-failure");
    options.scale = parsed.counts("--scale");
    options.services = parsed.operands;
    bool json = parsed.has("--json");
    bool quiet = parsed.has("--quiet");
    ProgressMode progress_mode = progress_option(parsed);
    compose::Project project = compose::load_project(arguments.load);
    Engine engine = discover_engine(arguments.discovery);
    for (const auto& warning : remote_engine_warnings(project, engine))
        std::cerr << "warning: " << warning << "\n";
    ProgressDisplay display(quiet ? ProgressMode::quiet : progress_mode, "up-" + project.name);
    options.progress = [&display](const ServiceEvent& event) { display.event(event); };
    options.output = [&display](const std::string& task, const Progress& line) {
        display.output(task, line);
    };
    UpResult result;
    try {
        result = berth::up(engine, project, options);
    } catch (const Error&) {
        display.report_failure();
        throw;
    }
    display.finish();
    if (json) {
        nlohmann::json document = stack_json(project.name, engine, result.services);
        document["changed"] = result.changed;
        document["elapsed_seconds"] = static_cast<double>(result.elapsed.count()) / 1000.0;
        std::cout << document.dump(2) << "\n";
    } else if (!quiet) {
        std::cerr << "project " << project.name << " is up (" << std::fixed << std::setprecision(1)
                  << static_cast<double>(result.elapsed.count()) / 1000.0 << " s"
                  << (result.changed ? "" : ", nothing changed") << ")\n";
        print_table(result.services);
    }
    return 0;
}

int down(const ParsedOptions& parsed) {
    ProjectArguments arguments = project_arguments(parsed);
    if (!parsed.operands.empty())
        throw CommandLineError("down", "down: takes no services, got '" + parsed.operands[0] + "'");
    DownOptions options;
    options.remove_volumes = parsed.has("--volumes");
    if (auto seconds = parsed.number("--timeout"))
        options.timeout = std::chrono::seconds(*seconds);
    // The files, when they load, give the stop order; without them the
    // labels alone are enough to take the project away.
    std::optional<compose::Project> project;
    try {
        project = compose::load_project(arguments.load);
    } catch (const Error& error) {
        if (!arguments.load.project_name)
            throw;
    }
    std::string name = project ? project->name : project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    berth::down(engine, name, project ? &*project : nullptr, options);
    std::cerr << "project " << name << " is down\n";
    return 0;
}

int ps(const ParsedOptions& parsed) {
    ProjectArguments arguments = project_arguments(parsed);
    std::string format = parsed.value("--format").value_or(parsed.has("--json") ? "json" : "table");
    if (format != "json" && format != "table")
        throw CommandLineError("ps", "ps: --format takes json or table, not '" + format + "'");
    if (!parsed.operands.empty())
        throw CommandLineError("ps", "ps: takes no services, got '" + parsed.operands[0] + "'");
    std::string name = project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    auto services = berth::ps(engine, name);
    if (format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& status : services)
            list.push_back(status_json(status));
        std::cout << list.dump(2) << "\n";
    } else {
        print_table(services);
    }
    return 0;
}

int logs(const ParsedOptions& parsed) {
    ProjectArguments arguments = project_arguments(parsed);
    LogOptions options;
    options.follow = parsed.has("--follow");
    options.timestamps = parsed.has("--timestamps");
    options.tail = parsed.number("--tail");
    std::vector<std::string> services = parsed.operands;
    std::string name = project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    auto all = berth::ps(engine, name);
    std::vector<ServiceStatus> shown;
    for (const auto& status : all) {
        if (services.empty() ||
            std::find(services.begin(), services.end(), status.service) != services.end())
            shown.push_back(status);
    }
    for (const auto& service : services) {
        if (std::none_of(all.begin(), all.end(),
                         [&](const ServiceStatus& status) { return status.service == service; }))
            throw UsageError("project " + name + " has no container for service '" + service + "'");
    }
    // Every container of each service (its replicas); with several, each
    // line says whose it is, SERVICE-N for a replica as docker compose does.
    for (const auto& status : shown) {
        bool several = std::count_if(all.begin(), all.end(), [&](const ServiceStatus& other) {
                           return other.service == status.service;
                       }) > 1;
        std::string prefix =
            (several ? status.service + "-" + std::to_string(status.number) : status.service) +
            "  | ";
        engine.container_logs(status.container_id, options,
                              [&](OutputStream stream, std::string_view data) {
                                  (stream == OutputStream::stderr_stream ? std::cerr : std::cout)
                                      << (shown.size() > 1 ? prefix : "") << data;
                              });
    }
    return 0;
}

int exec(const ParsedOptions& parsed) {
    if (parsed.operands.size() < 2)
        throw CommandLineError("exec", "exec: needs a service and a command");
    ProjectArguments arguments = project_arguments(parsed);
    ExecOptions options;
    options.user = parsed.value("--user").value_or("");
    options.working_dir = parsed.value("--workdir").value_or("");
    for (const auto& pair : parsed.values("--env")) {
        auto equals = pair.find('=');
        options.environment[pair.substr(0, equals)] =
            equals == std::string::npos ? "" : pair.substr(equals + 1);
    }
    const std::string& service = parsed.operands[0];
    std::vector<std::string> command(parsed.operands.begin() + 1, parsed.operands.end());
    std::string name = project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    int index = parsed.number("--index").value_or(1);
    ExecResult result =
        engine.exec(service_status(engine, name, service, index).container_id, command, options);
    std::cout << result.stdout_text;
    std::cerr << result.stderr_text;
    return result.exit_code;
}

/// The project options without one short spelling a command uses for
/// something else (logs -f is --follow, as in docker compose).
std::vector<OptionSpec> project_options_without(const std::string& spelling) {
    auto options = project_options();
    for (auto& option : options)
        std::erase(option.names, spelling);
    return options;
}

}  // namespace

std::vector<Command> stack_commands() {
    const std::string progress_help = "auto, tty, plain or quiet (see README)";
    return {
        {{"up", "[SERVICE...]",
          "Create and start the project's services level by level, waiting for their health.",
          std::vector<OptionSpec>{
              {{"--wait"}, "", "Wait for running and healthy (the default)"},
              {{"--no-wait"}, "", "Return once every container is started"},
              {{"--wait-timeout"}, "SECONDS", "Give up waiting after this long (default 300)"},
              {{"--build"}, "", "Rebuild images that have a build section"},
              {{"--keep-on-failure"}, "", "Leave what a failed up made, for inspection"},
              {{"--scale"}, "SERVICE=N", "Run N containers of the service (repeatable)"},
              {{"--json"}, "", "Print the stack as JSON (README: JSON schema)"},
              {{"-q", "--quiet"}, "", "Print nothing but errors"},
              {{"--progress"}, "MODE", progress_help},
              {{"-d", "--detach"}, "", "Accepted for docker compose habits: berth never attaches"},
          } + project_options()},
         up},
        {{"down", "", "Stop and remove the project's containers and networks.",
          std::vector<OptionSpec>{
              {{"-v", "--volumes"}, "", "Also remove the project's named volumes"},
              {{"-t", "--timeout"}, "SECONDS", "Stop timeout (default: each service's own)"},
          } + project_options()},
         down},
        {{"ps", "", "List the project's containers.",
          std::vector<OptionSpec>{
              {{"-a", "--all"}, "", "Stopped containers too (berth always lists them)"},
              {{"--json"}, "", "Print JSON (same as --format json)"},
              {{"--format"}, "FORMAT", "table or json"},
          } + project_options()},
         ps},
        {{"logs", "[SERVICE...]", "Show the output of services (all of them by default).",
          std::vector<OptionSpec>{
              {{"-f", "--follow"}, "", "Keep following the output"},
              {{"-t", "--timestamps"}, "", "Prefix each line with its time"},
              {{"-n", "--tail"}, "N", "Only the last N lines"},
          } + project_options_without("-f")},
         logs},
        {{"exec", "SERVICE COMMAND [ARG...]", "Run a command in a service's container.",
          std::vector<OptionSpec>{
              {{"-u", "--user"}, "USER", "Run as this user"},
              {{"-w", "--workdir"}, "DIR", "Run in this folder"},
              {{"-e", "--env"}, "KEY=VALUE", "Set a variable (repeatable)"},
              {{"-T", "--no-TTY"}, "", "No terminal (berth never allocates one)"},
              {{"--index"}, "N", "Which container of the service (default 1)"},
          } + project_options(),
          true},
         exec},
    };
}

}  // namespace berth::cli
