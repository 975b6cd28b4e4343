#include "engine/ssh_tunnel.hpp"

#include <berth/errors.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace berth::detail {

namespace fs = std::filesystem;

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

/// ssh on PATH, resolved before any fork: the supervisor may only make
/// async-signal-safe calls, and execvp's search is not one.
std::string find_ssh() {
    std::string path = environment("PATH");
    if (path.empty())
        path = "/usr/bin:/bin";
    std::stringstream folders(path);
    for (std::string folder; std::getline(folders, folder, ':');) {
        std::string candidate = (folder.empty() ? "." : folder) + "/ssh";
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

/// The options every ssh berth runs gets: the user's config (or
/// BERTH_SSH_CONFIG in its place), never a prompt, and the endpoint's
/// user, port and key where it names them.
std::vector<std::string> ssh_options(const Endpoint& endpoint) {
    std::vector<std::string> options;
    if (auto config = environment("BERTH_SSH_CONFIG"); !config.empty())
        options.insert(options.end(), {"-F", config});
    options.insert(options.end(), {"-o", "BatchMode=yes"});
    if (!endpoint.user.empty())
        options.insert(options.end(), {"-l", endpoint.user});
    if (endpoint.port != 0)
        options.insert(options.end(), {"-p", std::to_string(endpoint.port)});
    if (!endpoint.identity_file.empty())
        options.insert(options.end(), {"-i", endpoint.identity_file});
    return options;
}

struct CommandResult {
    int exit_code = -1;
    std::string output;
};

/// Runs a short ssh command (a mux client of the master, or ssh -G) and
/// reads its standard output; its standard error goes to the log, if any.
CommandResult run_ssh(const std::string& ssh, const std::vector<std::string>& arguments,
                      const std::string& log_file) {
    int output_pipe[2];
    if (::pipe2(output_pipe, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, output_pipe[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, log_file.empty() ? "/dev/null" : log_file.c_str(),
                                     O_WRONLY | O_APPEND, 0);
    std::vector<std::string> words = {ssh};
    words.insert(words.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    int error = ::posix_spawn(&child, ssh.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(output_pipe[1]);
    CommandResult result;
    if (error != 0) {
        ::close(output_pipe[0]);
        result.output = std::strerror(error);
        return result;
    }
    char buffer[4096];
    for (ssize_t count; (count = ::read(output_pipe[0], buffer, sizeof buffer)) != 0;) {
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            break;
        result.output.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(output_pipe[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

/// A private folder for the control socket, the forwarded socket and ssh's
/// log: under $XDG_RUNTIME_DIR when set, else /tmp, mode 0700. Unix socket
/// paths are limited to 107 bytes, so the name is short.
std::string make_private_folder() {
    std::string base = environment("XDG_RUNTIME_DIR");
    if (base.empty() || base.size() > 60 || ::access(base.c_str(), W_OK) != 0)
        base = "/tmp";
    std::string pattern = base + "/berth-ssh-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    return pattern;
}

/// The supervisor: ssh's parent, in a session of its own (a Ctrl-C meant
/// for berth must not end the session berth needs to stop its services).
/// It ends ssh and removes the folder once the owner's end of the keepalive
/// pipe closes: when the tunnel is destroyed, or when the owning process
/// dies in any way. Only async-signal-safe calls: the owner may have threads.
[[noreturn]] void supervise(int keepalive_read, int ssh_ended_write, int log_fd, int null_fd,
                            const char* ssh_path, char* const* argv, const char* const* files,
                            const char* folder) {
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
    ::sigaction(SIGINT, &ignore, nullptr);
    ::sigaction(SIGHUP, &ignore, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    pid_t ssh = ::fork();
    if (ssh == 0) {
        struct sigaction standard {};
        standard.sa_handler = SIG_DFL;
        for (int signal_number : {SIGPIPE, SIGINT, SIGHUP, SIGTERM})
            ::sigaction(signal_number, &standard, nullptr);
        ::dup2(log_fd, 2);
        ::syscall(SYS_close_range, 3U, ~0U, 0U);
        ::execv(ssh_path, argv);
        ::_exit(127);
    }
    // Everything of the owner's but the two pipe ends is closed, so that
    // no other tunnel's keepalive pipe is held open by this process.
    for (int descriptor = 3; descriptor < 1024; ++descriptor) {
        if (descriptor != keepalive_read && descriptor != ssh_ended_write)
            ::close(descriptor);
    }
    ::syscall(SYS_close_range, 1024U, ~0U, 0U);
    int ssh_handle = ssh > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, ssh, 0)) : -1;
    bool ssh_running = ssh > 0;
    for (;;) {
        struct pollfd watched[2] = {{keepalive_read, POLLIN, 0}, {ssh_handle, POLLIN, 0}};
        int count = ssh_running && ssh_handle >= 0 ? 2 : 1;
        int ready = ::poll(watched, static_cast<nfds_t>(count), ssh_handle >= 0 ? -1 : 100);
        if (ready < 0 && errno != EINTR)
            break;
        // A byte is the owner's "stop"; the end of the pipe is its death.
        if (ready > 0 && watched[0].revents != 0) {
            char byte;
            if (::read(keepalive_read, &byte, 1) != -1 || errno != EINTR)
                break;
        }
        if (ssh_running && ::waitpid(ssh, nullptr, WNOHANG) == ssh) {
            ssh_running = false;
            (void)!::write(ssh_ended_write, "x", 1);
        }
    }
    if (ssh_running) {
        ::kill(ssh, SIGTERM);
        ::waitpid(ssh, nullptr, 0);
    }
    for (const char* const* file = files; *file != nullptr; ++file)
        ::unlink(*file);
    ::rmdir(folder);
    ::_exit(0);
}

struct Diagnosis {
    UnreachableReason reason;
    std::string what;
};

/// What ssh's own message means, in the order ssh would print them.
/// HOST in a rule is the destination as the user wrote it; KNOWN_NAME and
/// KEYSCAN name the address and port ssh really used, which is what
/// known_hosts records and what ssh-keyscan (which reads no ssh_config) needs.
Diagnosis diagnose(const std::string& log, const std::string& host,
                   const std::string& known_name = {}, const std::string& keyscan = {}) {
    struct Rule {
        const char* text;
        UnreachableReason reason;
        const char* what;
    };
    static const Rule rules[] = {
        {"REMOTE HOST IDENTIFICATION HAS CHANGED", UnreachableReason::host_key,
         "the host key of HOST differs from the one in known_hosts. If HOST was reinstalled, "
         "remove the old key with `ssh-keygen -R 'KNOWN_NAME'` and check the new key's "
         "fingerprint; otherwise someone may be intercepting the connection"},
        {"Host key verification failed", UnreachableReason::host_key,
         "HOST's host key is not in known_hosts, and berth never accepts one by itself (ssh runs "
         "with BatchMode=yes). Log in once with `ssh HOST` and confirm the fingerprint, or add the "
         "key with `KEYSCAN >> ~/.ssh/known_hosts` after checking it"},
        {"Permission denied (", UnreachableReason::authentication,
         "HOST refused the login. Load your key into ssh-agent (`ssh-add`), name it with "
         "IdentityFile in ~/.ssh/config, or give the user as ssh://USER@HOST; berth never asks "
         "for a password"},
        {"Could not resolve hostname", UnreachableReason::absent,
         "the name HOST does not resolve; check it and its Host entry in ~/.ssh/config"},
        {"Connection refused", UnreachableReason::refused,
         "nothing accepts ssh connections at HOST (is sshd running, and on that port?)"},
        {"timed out", UnreachableReason::other,
         "HOST did not answer in time; check the address and the network"},
        {"No route to host", UnreachableReason::other, "there is no route to HOST"},
        {"Network is unreachable", UnreachableReason::other, "the network of HOST is unreachable"},
        {"closed by remote host", UnreachableReason::other, "HOST closed the SSH connection"},
        {"Connection reset", UnreachableReason::other, "HOST reset the SSH connection"},
    };
    for (const auto& rule : rules) {
        if (log.find(rule.text) == std::string::npos)
            continue;
        std::string what = rule.what;
        auto substitute = [&what](const std::string& name, const std::string& value) {
            for (auto at = what.find(name); at != std::string::npos;
                 at = what.find(name, at + value.size()))
                what.replace(at, name.size(), value);
        };
        substitute("KNOWN_NAME", known_name.empty() ? host : known_name);
        substitute("KEYSCAN", keyscan.empty() ? "ssh-keyscan " + host : keyscan);
        substitute("HOST", host);
        return {rule.reason, what};
    }
    if (log.empty())
        return {UnreachableReason::other, "ssh ended without saying why (was it killed?)"};
    return {UnreachableReason::other, "ssh to " + host + " failed"};
}

}  // namespace

SshTunnel::SshTunnel(const Endpoint& endpoint, std::chrono::milliseconds connect_timeout)
    : endpoint_(endpoint) {
    folder_ = make_private_folder();
    control_socket_ = folder_ + "/control";
    local_socket_ = folder_ + "/engine.sock";
    log_file_ = folder_ + "/ssh.log";
    try {
        start_master(connect_timeout);
        resolve_remote_socket();
        forward();
    } catch (...) {
        stop();
        throw;
    }
}

SshTunnel::~SshTunnel() {
    stop();
}

void SshTunnel::stop() noexcept {
    // A child forked without exec holds a copy of this tunnel: the session
    // and the folder are its parent's, never its own to end.
    if (::getpid() != owner_)
        return;
    if (keepalive_write_ >= 0) {
        // Say "stop" rather than only closing: a child the owner forked
        // (without exec) holds a copy of this end and would keep it open.
        (void)!::write(keepalive_write_, "q", 1);
        ::close(keepalive_write_);
        keepalive_write_ = -1;
    }
    if (supervisor_ > 0) {
        while (::waitpid(supervisor_, nullptr, 0) < 0 && errno == EINTR) {
        }
        supervisor_ = -1;
    }
    if (ssh_ended_read_ >= 0) {
        ::close(ssh_ended_read_);
        ssh_ended_read_ = -1;
    }
    // The supervisor removed the folder; this covers a failure before it ran.
    std::error_code ignored;
    if (!folder_.empty())
        fs::remove_all(folder_, ignored);
}

void SshTunnel::fail(const std::string& what) const {
    throw EngineUnreachable(endpoint_.uri(), diagnose(log_tail(), endpoint_.host).reason, what);
}

std::string SshTunnel::what_ssh_said(const std::string& log) const {
    bool default_port = ssh_port_.empty() || ssh_port_ == "22";
    std::string known_name = default_port ? host_address_ : "[" + host_address_ + "]:" + ssh_port_;
    std::string keyscan =
        "ssh-keyscan " + (default_port ? "" : "-p " + ssh_port_ + " ") + host_address_;
    return diagnose(log, endpoint_.host, known_name, keyscan).what;
}

std::string SshTunnel::log_tail(std::size_t from) const {
    std::ifstream input(log_file_);
    std::stringstream text;
    text << input.rdbuf();
    std::string log = text.str();
    log = from < log.size() ? log.substr(from) : std::string();
    std::string kept;
    std::stringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            kept += (kept.empty() ? "" : " | ") + line;
    }
    if (kept.size() > 1500)
        kept = "…" + kept.substr(kept.size() - 1500);
    return kept;
}

void SshTunnel::start_master(std::chrono::milliseconds connect_timeout) {
    std::string ssh = find_ssh();
    if (ssh.empty()) {
        throw EngineUnreachable(endpoint_.uri(), UnreachableReason::other,
                                "no ssh program on PATH; install the OpenSSH client");
    }
    // Where the engine's ports are: the address ssh resolves the
    // destination to through ~/.ssh/config (a Host alias's HostName).
    auto resolved = run_ssh(ssh,
                            [&] {
                                auto words = ssh_options(endpoint_);
                                words.insert(words.end(), {"-T", "-G", "--", endpoint_.host});
                                return words;
                            }(),
                            {});
    std::stringstream lines(resolved.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("hostname ", 0) == 0)
            host_address_ = line.substr(9);
        if (line.rfind("port ", 0) == 0)
            ssh_port_ = line.substr(5);
    }
    if (resolved.exit_code != 0 || host_address_.empty()) {
        throw EngineUnreachable(endpoint_.uri(), UnreachableReason::other,
                                "`ssh -G " + endpoint_.host +
                                    "` cannot read the ssh configuration: " + resolved.output);
    }
    long seconds = std::max<long>(1, static_cast<long>((connect_timeout.count() + 999) / 1000));
    std::vector<std::string> words = {ssh};
    auto options = ssh_options(endpoint_);
    words.insert(words.end(), options.begin(), options.end());
    words.insert(words.end(), {"-o", "ConnectTimeout=" + std::to_string(seconds),
                               "-o", "ServerAliveInterval=15",
                               "-o", "ServerAliveCountMax=3",
                               "-o", "ExitOnForwardFailure=yes",
                               "-o", "StreamLocalBindUnlink=yes",
                               "-o", "ControlMaster=yes",
                               "-o", "ControlPath=" + control_socket_,
                               "-o", "ControlPersist=no",
                               "-N", "-T",
                               "--", endpoint_.host});
    std::vector<char*> argv;
    for (auto& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    std::vector<std::string> owned_files = {control_socket_, local_socket_, log_file_};
    std::vector<const char*> files;
    for (auto& file : owned_files)
        files.push_back(file.c_str());
    files.push_back(nullptr);

    int keepalive[2], ended[2];
    if (::pipe2(keepalive, O_CLOEXEC) != 0 || ::pipe2(ended, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t child = ::fork();
    if (child == 0) {
        supervise(keepalive[0], ended[1], log_fd, null_fd, ssh.c_str(), argv.data(), files.data(),
                  folder_.c_str());
    }
    int fork_error = errno;
    for (int descriptor : {keepalive[0], ended[1], log_fd, null_fd})
        ::close(descriptor);
    keepalive_write_ = keepalive[1];
    ssh_ended_read_ = ended[0];
    if (child < 0) {
        throw std::system_error(fork_error, std::generic_category(), "fork for ssh");
    }
    supervisor_ = child;
    wait_for_login(connect_timeout + std::chrono::seconds(20));
}

void SshTunnel::wait_for_login(std::chrono::milliseconds limit) {
    // ssh makes the control socket once the login has succeeded, and says
    // nothing else when it has: watch for the file, and for ssh's end.
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        struct stat status {};
        if (::stat(control_socket_.c_str(), &status) == 0 && S_ISSOCK(status.st_mode))
            return;
        if (!alive()) {
            fail("ssh could not log in to " + endpoint_.host + ": " + what_ssh_said(log_tail()) +
                 " (ssh said: " + log_tail() + ")");
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw EngineUnreachable(endpoint_.uri(), UnreachableReason::other,
                                    "ssh to " + endpoint_.host + " did not log in within " +
                                        std::to_string(limit.count() / 1000) +
                                        " s (ssh said: " + log_tail() + ")");
        }
        struct pollfd ended = {ssh_ended_read_, POLLIN, 0};
        ::poll(&ended, 1, 5);
    }
}

bool SshTunnel::alive() const {
    struct pollfd ended = {ssh_ended_read_, POLLIN, 0};
    return ::poll(&ended, 1, 0) == 0;
}

void SshTunnel::resolve_remote_socket() {
    if (!endpoint_.socket_path.empty())
        return;
    // Podman's default for the remote user, as `podman system connection
    // add` picks it: root's service socket, else the user's rootless one.
    auto words = ssh_options(endpoint_);
    words.insert(words.end(), {"-o", "ControlMaster=no", "-o", "ControlPath=" + control_socket_,
                               "-T", "--", endpoint_.host, "id", "-u"});
    auto answer = run_ssh(find_ssh(), words, log_file_);
    std::string uid = answer.output.substr(0, answer.output.find_first_of("\r\n"));
    if (answer.exit_code != 0 || uid.empty() ||
        uid.find_first_not_of("0123456789") != std::string::npos) {
        fail("cannot find the remote user's Podman socket: `id -u` on " + endpoint_.host +
             " answered '" + answer.output + "'; name the socket in the endpoint, as in ssh://" +
             endpoint_.host + "/run/podman/podman.sock");
    }
    endpoint_.socket_path =
        uid == "0" ? "/run/podman/podman.sock" : "/run/user/" + uid + "/podman/podman.sock";
}

void SshTunnel::forward() {
    auto words = ssh_options(endpoint_);
    words.insert(words.end(), {"-o", "ControlPath=" + control_socket_, "-O", "forward", "-L",
                               local_socket_ + ":" + endpoint_.socket_path, "--", endpoint_.host});
    auto answer = run_ssh(find_ssh(), words, log_file_);
    struct stat status {};
    if (answer.exit_code != 0 || ::stat(local_socket_.c_str(), &status) != 0) {
        fail("the SSH session to " + endpoint_.host + " would not forward " +
             endpoint_.socket_path + " (ssh said: " + log_tail() + ")");
    }
}

std::optional<SshTunnel::Failure> SshTunnel::explain_failure() const {
    // A connection that broke because the session is ending breaks a
    // moment before ssh has exited: give the supervisor that moment to say
    // so (this runs only for requests that failed).
    struct pollfd ended = {ssh_ended_read_, POLLIN, 0};
    ::poll(&ended, 1, 250);
    if (!alive()) {
        std::string log = log_tail();
        auto diagnosis = diagnose(log, endpoint_.host);
        return Failure{diagnosis.reason, "the SSH session to " + endpoint_.host + " ended: " +
                                             what_ssh_said(log) + " (ssh said: " + log + ")"};
    }
    // Only what ssh logged since the last explained failure counts.
    std::string log;
    {
        std::lock_guard lock(explained_mutex_);
        std::error_code ignored;
        auto size = static_cast<std::size_t>(fs::file_size(log_file_, ignored));
        log = log_tail(explained_log_size_);
        explained_log_size_ = std::max(explained_log_size_, size);
    }
    if (log.find("open failed") == std::string::npos)
        return std::nullopt;
    // sshd does not pass on why it could not open the socket; ask.
    auto words = ssh_options(endpoint_);
    const std::string& path = endpoint_.socket_path;
    // A folder the login may not search hides the socket: that is denied,
    // not absent.
    std::string check = "p='" + path +
                        "'; d=${p%/*}; if [ -e \"$p\" ]; then if [ -w \"$p\" ]; then echo "
                        "present; else echo denied; fi; elif [ -d \"$d\" ] && [ ! -x \"$d\" ]; "
                        "then echo denied; else echo absent; fi";
    words.insert(words.end(), {"-o", "ControlMaster=no", "-o", "ControlPath=" + control_socket_,
                               "-T", "--", endpoint_.host, check});
    auto answer = run_ssh(find_ssh(), words, {});
    std::string login = endpoint_.user.empty() ? "the ssh login" : endpoint_.user;
    if (answer.output.rfind("absent", 0) == 0) {
        return Failure{UnreachableReason::absent,
                       "there is no " + path + " on " + endpoint_.host +
                           ": no engine listens there (start it, or name another socket in the "
                           "endpoint)"};
    }
    if (answer.output.rfind("denied", 0) == 0) {
        return Failure{UnreachableReason::permission_denied,
                       login + " may not open " + path + " on " + endpoint_.host +
                           " (add the user to the socket's group, or log in as a user whose "
                           "engine it is)"};
    }
    return Failure{UnreachableReason::refused, "sshd on " + endpoint_.host + " could not open " +
                                                   path + " (ssh said: " + log + ")"};
}

}  // namespace berth::detail
