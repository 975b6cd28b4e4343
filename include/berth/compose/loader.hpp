#pragma once
// Reading compose files into a Project: the entry point of the compose layer.

#include <berth/compose/model.hpp>
#include <berth/errors.hpp>
#include <berth/export.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::compose {

/// What to load and in which environment. Every field has the meaning of the
/// matching `docker compose` option.
struct LoadOptions {
    /// Compose files, merged in order (later ones override). Empty: the
    /// COMPOSE_FILE variable (paths separated by ':'), else the first of
    /// compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in
    /// working_directory, with compose.override.y(a)ml or
    /// docker-compose.override.y(a)ml beside it merged over it.
    std::vector<std::string> files;
    /// `-p`. Wins over COMPOSE_PROJECT_NAME and the `name:` key; otherwise the
    /// project folder's name is used. Normalised either way.
    std::optional<std::string> project_name;
    /// `--env-file`. Unset: `.env` in the project folder, when present.
    std::optional<std::string> env_file;
    /// `--profile`. Empty: the COMPOSE_PROFILES variable (comma separated).
    /// "*" enables every profile.
    std::vector<std::string> profiles;
    /// `--project-directory`. Empty: the folder of the first file (or the
    /// current folder when files are looked up).
    std::string working_directory;
    /// The variables interpolation sees before the env file. Unset: the
    /// process environment.
    std::optional<std::map<std::string, std::string>> environment;
    /// false: leave `${...}` as written (`config --no-interpolate`).
    bool interpolate = true;
};

/// One problem found in the files. Printed as
/// "FILE:LINE:COLUMN: KEY.PATH: MESSAGE"; line and column are 1-based and 0
/// when the problem has no single place (a dependency cycle spans several).
struct Diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string key_path;  ///< e.g. "services.slurm.ports[0]"; empty for the whole file
    std::string message;

    BERTH_API std::string to_string() const;
};

/// The files could not be turned into a valid project. Every problem found is
/// listed, not only the first; what() prints them one per line.
class BERTH_API ComposeError : public Error {
  public:
    explicit ComposeError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  private:
    std::vector<Diagnostic> diagnostics_;
};

/// A project name as compose makes it: lower case, only [a-z0-9_-], and
/// beginning with a letter or digit (leading '_' and '-' dropped). Empty
/// when nothing is left.
BERTH_API std::string normalise_project_name(const std::string& name);

/// Loads, interpolates, merges and validates; throws ComposeError listing
/// every problem, or UsageError when a named file or env file cannot be read.
///
/// Problems are found in two rounds: the shape of every file (syntax, keys,
/// types, values, interpolation) first, then, when the shapes are right, the
/// project as a whole (dependencies, cycles, declared networks and volumes,
/// container names, published ports). One ComposeError carries all problems
/// of the round that found any, ordered by file and position.
BERTH_API Project load_project(const LoadOptions& options);

/// Loads one compose document given as text, as if it had been read from
/// `file_name` (used for locations and to resolve relative paths). For tests
/// and fuzzing; options.files is ignored.
BERTH_API Project load_project_from_text(const std::string& text, const std::string& file_name,
                                         const LoadOptions& options);

}  // namespace berth::compose
