#include "process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace berth::testing {

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text) {
    // Standard input comes from an unlinked temporary file, so a large input
    // cannot block against a child that is not reading yet.
    char input_path[] = "/tmp/berth-stdin-XXXXXX";
    int input = ::mkstemp(input_path);
    if (input < 0)
        throw std::runtime_error("mkstemp failed");
    ::unlink(input_path);
    if (::write(input, stdin_text.data(), stdin_text.size()) !=
        static_cast<ssize_t>(stdin_text.size())) {
        ::close(input);
        throw std::runtime_error("cannot write the child's input");
    }
    ::lseek(input, 0, SEEK_SET);
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO);
    std::vector<char*> pointers;
    for (const auto& argument : argv)
        pointers.push_back(const_cast<char*>(argument.c_str()));
    pointers.push_back(nullptr);
    pid_t child = 0;
    int status = ::posix_spawnp(&child, pointers[0], &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_ends[1]);
    ::close(input);
    if (status != 0) {
        ::close(pipe_ends[0]);
        throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(status));
    }
    ProcessResult result;
    char buffer[4096];
    ssize_t count;
    while ((count = ::read(pipe_ends[0], buffer, sizeof buffer)) != 0) {
        if (count < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        result.output.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(pipe_ends[0]);
    int wait_status = 0;
    while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code =
        WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
    return result;
}

ProcessResult ssh_with_password(const std::string& user, const std::string& password,
                                const std::string& host, int port, const std::string& command) {
    return run_process({"sshpass",
                        "-p",
                        password,
                        "ssh",
                        "-p",
                        std::to_string(port),
                        "-o",
                        "StrictHostKeyChecking=no",
                        "-o",
                        "UserKnownHostsFile=/dev/null",
                        "-o",
                        "LogLevel=ERROR",
                        "-o",
                        "ConnectTimeout=10",
                        "-o",
                        "PreferredAuthentications=password",
                        "-o",
                        "PubkeyAuthentication=no",
                        user + "@" + host,
                        command});
}

}  // namespace berth::testing
