#include "orchestrate/hooks.hpp"

#include <berth/orchestrate.hpp>

#include <cstdlib>

namespace berth::orchestrate {

namespace {

ExecOptions exec_options(const compose::ServiceHook& hook) {
    ExecOptions options;
    options.user = hook.user;
    options.working_dir = hook.working_dir;
    options.privileged = hook.privileged.value_or(false);
    for (const auto& [name, value] : hook.environment) {
        // `- NAME` alone takes berth's own environment, as compose does; an
        // unset one is left out of the hook's environment, not set empty.
        if (value) {
            options.environment[name] = *value;
        } else if (const char* inherited = std::getenv(name.c_str())) {
            options.environment[name] = inherited;
        }
    }
    return options;
}

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text;
}

}  // namespace

void run_hooks(Engine& engine, const std::string& container, const std::string& service,
               const char* which, const std::vector<compose::ServiceHook>& hooks) {
    for (std::size_t index = 0; index < hooks.size(); ++index) {
        const compose::ServiceHook& hook = hooks[index];
        if (!hook.command || hook.command->empty())
            continue;  // the loader requires a command; nothing to run without one
        ExecResult result = engine.exec(container, *hook.command, exec_options(hook));
        if (result.exit_code == 0)
            continue;
        std::string report = "service " + service + ": " + which + "[" + std::to_string(index) +
                             "] (" + joined(*hook.command) + ") exited with code " +
                             std::to_string(result.exit_code);
        if (!result.stdout_text.empty())
            report += "\n  stdout: " + result.stdout_text;
        if (!result.stderr_text.empty())
            report += "\n  stderr: " + result.stderr_text;
        throw ServiceFailed(service, std::string(which) + " hook failed", report);
    }
}

}  // namespace berth::orchestrate
