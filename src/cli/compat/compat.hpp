#pragma once
// docker-compose's command line (v1 and `docker compose` v2) on berth: the
// names, flags, output formats and exit codes harnesses rely on. Every
// command reads the global options (-f, -p, ...) given before its name.

#include "../commands.hpp"
#include "../project_arguments.hpp"

#include <berth/compose/loader.hpp>

#include <optional>
#include <string>
#include <vector>

namespace berth::cli::compat {

/// The global options and what they select, shared by every command.
class Context {
  public:
    Context(std::string program, ProjectArguments project)
        : program_(std::move(program)), project_(std::move(project)) {}

    const std::string& program() const { return program_; }
    const ProjectArguments& arguments() const { return project_; }
    /// The loaded project (loaded once); throws its ComposeError.
    const compose::Project& project();
    /// -p when given, else the files' project name: enough for commands that
    /// only look at what runs (ps, logs, down without files).
    std::string project_name();
    Engine& engine();

  private:
    std::string program_;
    ProjectArguments project_;
    std::optional<compose::Project> loaded_;
    std::optional<Engine> engine_;
};

/// One container of the project, with what inspect says about it.
struct ContainerRow {
    std::string service;
    int number = 1;
    ContainerSummary summary;
    ContainerInfo info;
};

/// The project's containers (not one-off `run` containers unless asked),
/// by service then number; only running ones unless include_stopped; only
/// the named services when services is not empty (an unknown one is a
/// UsageError naming it).
std::vector<ContainerRow> project_containers(Context& context,
                                             const std::vector<std::string>& services,
                                             bool include_stopped, bool include_oneoff = false);

/// Services named on the command line must exist in the files.
void check_services(Context& context, const std::vector<std::string>& services);

/// The first host binding of container_port/protocol as HOST:PORT, with an
/// empty host shown as 0.0.0.0 (docker compose's form).
std::optional<std::string> published_port(const ContainerInfo& info, int container_port,
                                          const std::string& protocol);

/// Prints the containers' output, each line prefixed SERVICE-N (unless not
/// with_prefix); with options.follow, one stream per container interleaved
/// by line until every container has stopped or cancel fires. Returns 1
/// when a stream failed (after saying why), else 0.
int stream_logs(Context& context, const std::vector<ContainerRow>& rows, const LogOptions& options,
                bool with_prefix, const CancelToken& cancel = {});

// The commands, by family.
std::vector<Command> stack_commands(Context& context);      // up down ps port config
std::vector<Command> output_commands(Context& context);     // logs exec run
std::vector<Command> lifecycle_commands(Context& context);  // start stop ... images build pull

}  // namespace berth::cli::compat
