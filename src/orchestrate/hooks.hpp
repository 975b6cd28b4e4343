#pragma once
// Lifecycle hooks: `post_start` runs in the container right after it
// starts, `pre_stop` right before it is stopped, each through an exec with
// the hook's user, privileges, working folder and environment.

#include <berth/compose/model.hpp>
#include <berth/engine.hpp>

#include <string>
#include <vector>

namespace berth::orchestrate {

/// Runs the hooks in order in a running container. A hook that exits other
/// than 0 throws ServiceFailed whose report names the service, which hook,
/// its command, exit code and output.
void run_hooks(Engine& engine, const std::string& container, const std::string& service,
               const char* which, const std::vector<compose::ServiceHook>& hooks);

}  // namespace berth::orchestrate
