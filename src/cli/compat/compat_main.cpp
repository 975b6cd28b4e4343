// docker-compose's global options and its command table; what the commands
// share (the project, the engine, the project's containers).

#include "compat.hpp"

#include <berth/discovery.hpp>
#include <berth/errors.hpp>

#include <algorithm>
#include <iostream>
#include <set>
#include <tuple>

namespace berth::cli::compat {

const compose::Project& Context::project() {
    if (!loaded_)
        loaded_ = compose::load_project(project_.load);
    return *loaded_;
}

std::string Context::project_name() {
    if (loaded_)
        return loaded_->name;
    if (project_.load.project_name)
        return cli::project_name(project_);  // no files needed
    return project().name;
}

Engine& Context::engine() {
    if (!engine_)
        engine_.emplace(discover_engine(project_.discovery));
    return *engine_;
}

void check_services(Context& context, const std::vector<std::string>& services) {
    for (const auto& name : services) {
        const auto& all = context.project().services;
        bool known = std::any_of(all.begin(), all.end(),
                                 [&](const compose::Service& each) { return each.name == name; });
        if (!known)
            throw UsageError("no such service: " + name);
    }
}

std::vector<ContainerRow> project_containers(Context& context,
                                             const std::vector<std::string>& services,
                                             bool include_stopped, bool include_oneoff) {
    std::string name = context.project_name();
    Engine& engine = context.engine();
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + name};
    std::set<std::string> wanted(services.begin(), services.end());
    std::vector<ContainerRow> rows;
    for (auto& summary : engine.container_list(filter)) {
        ContainerRow row;
        row.service = summary.labels[compose_labels::service];
        if (!wanted.empty() && !wanted.count(row.service))
            continue;
        if (!include_oneoff && summary.labels[compose_labels::oneoff] == "True")
            continue;
        try {
            row.info = engine.container_inspect(summary.id);
        } catch (const NotFound&) {
            continue;  // removed while we looked
        }
        if (!include_stopped && row.info.state.status != "running")
            continue;
        try {
            row.number = std::stoi(summary.labels[compose_labels::container_number]);
        } catch (const std::exception&) {
            row.number = 1;  // made by a tool that does not number them
        }
        row.summary = std::move(summary);
        rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(), [](const ContainerRow& a, const ContainerRow& b) {
        return std::tie(a.service, a.number) < std::tie(b.service, b.number);
    });
    return rows;
}

std::optional<std::string> published_port(const ContainerInfo& info, int container_port,
                                          const std::string& protocol) {
    std::optional<std::string> found;
    for (const auto& port : info.ports) {
        if (port.container_port != container_port || port.protocol != protocol ||
            port.host_port == 0)
            continue;
        std::string host = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
        // Docker lists the IPv6 binding (::) beside 0.0.0.0; compose shows the IPv4 one.
        if (!found || host == "0.0.0.0")
            found = host + ":" + std::to_string(port.host_port);
        if (host == "0.0.0.0")
            break;
    }
    return found;
}

namespace {

constexpr const char* compose_version = "2.24.0";

const CommandSpec& global_spec() {
    static const CommandSpec spec{
        "",
        "COMMAND [ARGS...]",
        "docker-compose's command line (v1 and docker compose v2) on berth: the engine API,\n"
        "no docker CLI. Commands: build config down exec images kill logs pause port ps pull\n"
        "restart rm run start stop top unpause up version. `COMMAND --help` for each.",
        project_options() +
            std::vector<OptionSpec>{
                {{"--ansi"}, "WHEN", "never or auto: berth prints no colours either way"},
                {{"--no-ansi"}, "", "Same as --ansi never"},
                {{"-v", "--version"}, "", "Print the version and exit"},
            },
        true,
        "Refused: --ansi always (berth never prints colours), --compatibility, --verbose,\n"
        "--log-level, --parallel, --dry-run, --tls* (use -H with a tcp:// URI and "
        "DOCKER_CERT_PATH).\n"};
    return spec;
}

Command version_command() {
    return {
        {"version",
         "",
         "Show the docker compose version berth follows, and berth's own.",
         {{{"--short"}, "", "Only the version number"},
          {{"-f", "--format"}, "FORMAT", "pretty or json"}}},
        [](const ParsedOptions& parsed) {
            std::string format = parsed.value("--format").value_or("pretty");
            if (format != "pretty" && format != "json")
                throw CommandLineError("version", "version: --format takes pretty or json");
            if (!parsed.operands.empty())
                throw CommandLineError("version",
                                       "version: unexpected '" + parsed.operands[0] + "'");
            if (parsed.has("--short"))
                std::cout << compose_version << "\n";
            else if (format == "json")
                std::cout << nlohmann::json{{"version", std::string("v") + compose_version}}.dump()
                          << "\n";
            else
                std::cout << "Docker Compose version v" << compose_version << " (berth 0.1.0)\n";
            return 0;
        }};
}

void check_ansi(const ParsedOptions& globals) {
    auto ansi = globals.value("--ansi");
    if (ansi && *ansi != "never" && *ansi != "auto") {
        throw CommandLineError(
            "", "--ansi " + *ansi + " is refused: berth prints no colours (never or auto)");
    }
}

}  // namespace

}  // namespace berth::cli::compat

namespace berth::cli {

int compat_main(const std::string& program, const Arguments& arguments) {
    using namespace compat;
    ParsedOptions globals;
    try {
        globals = parse_options(global_spec(), arguments);
        check_ansi(globals);
    } catch (const CommandLineError& error) {
        std::cerr << program << ": " << error.what() << "\n" << usage_line(global_spec(), program);
        return 2;
    }
    if (globals.has("--version"))
        return run_command(version_command(), program, {});
    if (globals.help || globals.operands.empty()) {
        (globals.help ? std::cout : std::cerr) << help_text(global_spec(), program);
        return globals.help ? 0 : 2;
    }
    Context context(program, project_arguments(globals));
    std::vector<Command> commands = compat::stack_commands(context);
    for (auto& each : output_commands(context))
        commands.push_back(std::move(each));
    for (auto& each : lifecycle_commands(context))
        commands.push_back(std::move(each));
    commands.push_back(version_command());
    const std::string& name = globals.operands[0];
    for (const auto& command : commands) {
        if (command.spec.name == name) {
            return run_command(command, program,
                               Arguments(globals.operands.begin() + 1, globals.operands.end()));
        }
    }
    std::cerr << program << ": unknown command '" << name << "'\n"
              << usage_line(global_spec(), program);
    return 2;
}

}  // namespace berth::cli
