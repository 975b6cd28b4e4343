#pragma once
// One function per `berth` sub-command; each takes the arguments after the
// sub-command's name and returns the process exit code.

#include <string>
#include <vector>

namespace berth::cli {

using Arguments = std::vector<std::string>;

int info_command(const Arguments& arguments);
int config_command(const Arguments& arguments);
int image_command(const Arguments& arguments);

}  // namespace berth::cli
