#pragma once
// An ssh:// endpoint as a local unix socket: one OpenSSH session (a
// ControlMaster in a private folder) forwards a socket of its own to the
// engine's socket on the far machine, and every HTTP connection berth opens
// on it is one more channel of that session.

#include <berth/endpoint.hpp>
#include <berth/errors.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace berth::detail {

class SshTunnel {
  public:
    /// Logs in with the user's own ssh (its config, agent, keys and
    /// known_hosts; never a prompt), finds the remote socket when the
    /// endpoint leaves it to Podman's default, and forwards it. Throws
    /// EngineUnreachable saying what ssh said and what to do.
    SshTunnel(const Endpoint& endpoint, std::chrono::milliseconds connect_timeout);
    /// Ends the session and removes the private folder. A process that dies
    /// without running this leaves nothing either: a supervisor process
    /// notices the end of a pipe it holds and cleans up.
    ~SshTunnel();
    SshTunnel(const SshTunnel&) = delete;
    SshTunnel& operator=(const SshTunnel&) = delete;

    /// The local socket that reaches the engine.
    const std::string& local_socket() const { return local_socket_; }
    /// The endpoint with the remote socket filled in.
    const Endpoint& endpoint() const { return endpoint_; }
    /// The address ssh connects to after ~/.ssh/config (HostName): where the
    /// engine's published ports are.
    const std::string& host_address() const { return host_address_; }

    /// Whether the ssh session still runs.
    bool alive() const;

    struct Failure {
        UnreachableReason reason;
        std::string detail;
    };
    /// Why a request on this tunnel failed, when the tunnel is the cause:
    /// the session ended (with ssh's last words), or the far side could not
    /// open the engine's socket (absent, or not this login's to open).
    std::optional<Failure> explain_failure() const;

  private:
    void stop() noexcept;
    void start_master(std::chrono::milliseconds connect_timeout);
    void wait_for_login(std::chrono::milliseconds limit);
    void resolve_remote_socket();
    void forward();
    [[noreturn]] void fail(const std::string& what) const;
    std::string log_tail(std::size_t from = 0) const;
    /// What ssh's log means and what to do, with the address and port ssh used.
    std::string what_ssh_said(const std::string& log) const;

    Endpoint endpoint_;
    std::string folder_;
    std::string control_socket_;
    std::string local_socket_;
    std::string log_file_;
    std::string host_address_;
    std::string ssh_port_;      ///< the port ssh uses after its config
    pid_t owner_ = ::getpid();  ///< the process whose tunnel this is
    pid_t supervisor_ = -1;
    int keepalive_write_ = -1;  ///< closing it tells the supervisor to end ssh
    int ssh_ended_read_ = -1;   ///< readable once ssh has exited
    mutable std::mutex explained_mutex_;
    mutable std::size_t explained_log_size_ = 0;  ///< ssh's log up to here explained a failure
};

}  // namespace berth::detail
