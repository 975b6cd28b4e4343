#pragma once
// Wait strategies: what "ready" means for a service when its healthcheck
// says too little (or it has none), checked by the fixture after `up` and
// before the stack is handed to the tests.
//
//   berth::StackOptions options;
//   options.wait_for["web"] = {berth::wait::for_http(8080, "/ready"),
//                              berth::wait::for_log_line("listening on")};
//
// One interface, one small class per kind (as testcontainers has them); a
// harness may add its own by deriving from WaitStrategy.

#include <berth/export.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace berth {

class Stack;
struct Replica;

/// One condition on one service of a running stack, checked in each of the
/// service's replicas in turn.
class BERTH_API WaitStrategy {
  public:
    virtual ~WaitStrategy() = default;
    /// Returns once the condition holds in this replica; throws
    /// ServiceFailed (with what was last seen) when it does not by
    /// `deadline`, or when the replica's container stops first.
    virtual void wait_until_ready(Stack& stack, const Replica& replica,
                                  std::chrono::steady_clock::time_point deadline) const = 0;
    /// For reports: "log line /listening on/ (1 time)".
    virtual std::string describe() const = 0;
    /// The strategy's own limit; the stack's wait_timeout bounds it too.
    std::chrono::milliseconds timeout() const { return timeout_; }

  protected:
    explicit WaitStrategy(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  private:
    std::chrono::milliseconds timeout_;
};

using WaitStrategyPointer = std::shared_ptr<const WaitStrategy>;

namespace wait {

inline constexpr std::chrono::milliseconds default_timeout{60'000};

/// A line of the service's output (stdout or stderr) matches `pattern`, an
/// ECMAScript regular expression searched within the line, `times` times.
BERTH_API WaitStrategyPointer for_log_line(std::string pattern, int times = 1,
                                           std::chrono::milliseconds timeout = default_timeout);

/// A TCP connection from this machine to the port published for
/// `container_port` is accepted.
BERTH_API WaitStrategyPointer
for_listening_port(int container_port, std::chrono::milliseconds timeout = default_timeout);

/// An HTTP GET of `path` on the port published for `container_port`
/// answers `status`.
BERTH_API WaitStrategyPointer for_http(int container_port, std::string path = "/", int status = 200,
                                       std::chrono::milliseconds timeout = default_timeout);

/// The command (no shell) exits 0 inside the service's container.
BERTH_API WaitStrategyPointer for_command(std::vector<std::string> command,
                                          std::chrono::milliseconds timeout = default_timeout);

}  // namespace wait

}  // namespace berth
