#pragma once
// The images a build starts from. An engine that lacks a base image tries to
// pull it in the middle of the build, and on a machine without a registry
// that fails late and obscurely; reading the FROM lines first lets `up` make
// berth's own base image, or say which line names a missing one, before
// anything is created.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::orchestrate {

/// One `FROM` of a Containerfile that names an image (not `scratch`, not an
/// earlier stage), with the build arguments substituted.
struct BaseImageReference {
    std::string image;
    std::filesystem::path file;
    int line = 0;
};

/// Reads the FROM lines of Containerfile text. Global ARG defaults apply,
/// overridden by build_args, as the engines do.
std::vector<BaseImageReference> containerfile_bases(
    const std::string& text, const std::filesystem::path& file,
    const std::map<std::string, std::optional<std::string>>& build_args);

/// The Containerfile a build uses: the given one (relative to the context),
/// else Containerfile, else Dockerfile, as the engines choose.
std::filesystem::path containerfile_path(const std::filesystem::path& context,
                                         const std::string& dockerfile);

}  // namespace berth::orchestrate
