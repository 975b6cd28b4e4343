#pragma once
// The errors berth throws. Each carries the context a user needs to act on it:
// which operation, on what, what the engine answered, and what to try next.

#include <berth/export.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace berth {

/// Base of every berth error; what() is a complete, human-readable message.
class BERTH_API Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Why no engine could be talked to at an endpoint.
enum class UnreachableReason {
    absent,             ///< nothing at that path or address (no socket file, no such host)
    permission_denied,  ///< the socket exists but this user may not open it
    refused,            ///< the socket or port exists but nobody is listening
    tls,                ///< the TLS handshake or certificate check failed
    protocol,           ///< something answered, but not as a Docker or Podman engine
    host_key,           ///< ssh: the host's key is unknown or differs from known_hosts
    authentication,     ///< ssh: the host refused the login
    other,
};

BERTH_API const char* to_string(UnreachableReason reason);

/// The engine at an endpoint could not be reached at all.
class BERTH_API EngineUnreachable : public Error {
  public:
    EngineUnreachable(std::string endpoint, UnreachableReason reason, std::string detail);

    const std::string& endpoint() const { return endpoint_; }
    UnreachableReason reason() const { return reason_; }
    const std::string& detail() const { return detail_; }

  private:
    std::string endpoint_;
    UnreachableReason reason_;
    std::string detail_;
};

/// One place discovery looked for an engine, and what it found there.
struct DiscoveryAttempt {
    std::string source;    ///< e.g. "DOCKER_HOST", "/run/podman/podman.sock"
    std::string endpoint;  ///< the endpoint tried, empty when the source was not set
    std::string outcome;   ///< why it was not used
};

/// No engine answered anywhere discovery looked.
class BERTH_API NoEngineFound : public Error {
  public:
    explicit NoEngineFound(std::vector<DiscoveryAttempt> attempts);
    const std::vector<DiscoveryAttempt>& attempts() const { return attempts_; }

  private:
    std::vector<DiscoveryAttempt> attempts_;
};

/// The engine answered a request with an error, either as an HTTP status or
/// as an error object inside a stream that began with 200.
class BERTH_API EngineError : public Error {
  public:
    EngineError(std::string operation, std::string target, int http_status,
                std::string engine_message);

    const std::string& operation() const { return operation_; }
    const std::string& target() const { return target_; }
    /// 0 when the error arrived inside a successful stream.
    int http_status() const { return http_status_; }
    const std::string& engine_message() const { return engine_message_; }

  private:
    std::string operation_;
    std::string target_;
    int http_status_;
    std::string engine_message_;
};

/// 404: the container, image, network, volume or exec does not exist.
class BERTH_API NotFound : public EngineError {
  public:
    using EngineError::EngineError;
};

/// 409: a name is taken, or the object is in a state that forbids the operation.
class BERTH_API Conflict : public EngineError {
  public:
    using EngineError::EngineError;
};

/// The engine created a container or network but warned that it changed or
/// dropped part of what was asked: Docker's container create answer lists
/// `Warnings` (an I/O weight without the kernel's support, the OOM killer
/// turned off without a memory limit, ...) and runs the container anyway;
/// Podman's network create answers a `Warning` for each option it does not
/// know. berth removes such an object again rather than use something other
/// than what was asked; what() names it and quotes every warning. (Podman's
/// Docker-compatible container create answers an empty list, always.)
class BERTH_API EngineWarning : public EngineError {
  public:
    EngineWarning(std::string operation, std::string target, std::vector<std::string> warnings);
    const std::vector<std::string>& warnings() const { return warnings_; }

  private:
    std::vector<std::string> warnings_;
};

/// The connection failed in the middle of an exchange (reset, torn chunk,
/// malformed frame), or a request ran out of time.
class BERTH_API TransportError : public Error {
  public:
    TransportError(std::string operation, std::string target, std::string detail);
    const std::string& operation() const { return operation_; }
    const std::string& detail() const { return detail_; }

  private:
    std::string operation_;
    std::string target_;
    std::string detail_;
};

/// A request that changes something (a POST) was sent, and the connection
/// failed before its answer arrived: the engine may or may not have carried
/// it out. berth never sends such a request again on its own; the caller
/// finds out what happened (a create looks the name up).
class BERTH_API OutcomeUnknown : public TransportError {
  public:
    using TransportError::TransportError;
};

/// A request was cancelled through its CancelToken.
class BERTH_API Cancelled : public Error {
  public:
    explicit Cancelled(const std::string& operation);
};

/// Bad input given to berth itself (an endpoint that does not parse, a
/// missing build context, ...).
class BERTH_API UsageError : public Error {
  public:
    using Error::Error;
};

/// A replica was asked for that its service does not have (an index below
/// 1 or above its count): by a Stack method, `exec --index` or
/// service_status(). What the service has is in the message and in
/// replicas().
class BERTH_API ReplicaOutOfRange : public UsageError {
  public:
    /// numbers: the replica numbers the service's containers have.
    ReplicaOutOfRange(const std::string& project, std::string service, int index,
                      std::vector<int> numbers);
    const std::string& service() const { return service_; }
    int index() const { return index_; }
    /// How many containers the service has.
    int replicas() const { return static_cast<int>(numbers_.size()); }

  private:
    std::string service_;
    int index_;
    std::vector<int> numbers_;
};

}  // namespace berth
