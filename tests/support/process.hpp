#pragma once
// Running a program from a test (ssh, sshpass) and collecting what it printed.

#include <string>
#include <vector>

namespace berth::testing {

struct ProcessResult {
    int exit_code = 0;
    std::string output;  ///< stdout and stderr together, in order
};

/// Runs argv[0] (searched in PATH) with stdin_text as its standard input.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text = {});

/// A shell command over SSH as a user who logs in with a password (the
/// Slurm stack's job user): no key, no host-key prompt, a 10 s connect limit.
ProcessResult ssh_with_password(const std::string& user, const std::string& password,
                                const std::string& host, int port, const std::string& command);

}  // namespace berth::testing
