#include <berth/errors.hpp>

#include "engine/engine_state.hpp"

namespace berth {

void refuse_if_warned(const std::string& operation, const std::string& target,
                      std::vector<std::string> warnings, const std::function<void()>& remove) {
    if (warnings.empty())
        return;
    try {
        remove();
    } catch (const Error& error) {
        warnings.push_back(std::string("(and removing it failed: ") + error.what() + ")");
    }
    throw EngineWarning(operation, target, std::move(warnings));
}

namespace {

std::string hint_for(UnreachableReason reason, const std::string& endpoint) {
    if (endpoint.rfind("ssh://", 0) == 0) {
        return "berth logs in with your own ssh (~/.ssh/config, ssh-agent, known_hosts) and "
               "never lets it prompt: `ssh -o BatchMode=yes HOST true` must work from here";
    }
    switch (reason) {
        case UnreachableReason::absent:
            return "no engine listens there; start dockerd or `podman system service`, or point "
                   "DOCKER_HOST at a running engine";
        case UnreachableReason::permission_denied:
            return "this user may not open the socket; run as a member of its group (e.g. docker) "
                   "or use your own rootless Podman socket";
        case UnreachableReason::refused:
            return "the socket exists but nothing accepts connections; the engine has stopped "
                   "(remove the stale socket or restart the engine)";
        case UnreachableReason::tls:
            return "check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) and DOCKER_TLS_VERIFY";
        case UnreachableReason::protocol:
            return "the endpoint answered, but not as a Docker or Podman engine API";
        case UnreachableReason::host_key:
        case UnreachableReason::authentication:
        case UnreachableReason::other:
            break;
    }
    return "check that the engine is running and reachable";
}

std::string describe_attempts(const std::vector<DiscoveryAttempt>& attempts) {
    std::string text = "no container engine found; berth looked, in order:";
    for (const auto& attempt : attempts) {
        text += "\n  - " + attempt.source;
        if (!attempt.endpoint.empty())
            text += " (" + attempt.endpoint + ")";
        text += ": " + attempt.outcome;
    }
    // Over ssh the attempt's own words say what to do; starting a local
    // engine is no answer.
    bool only_ssh = attempts.size() == 1 && attempts[0].endpoint.rfind("ssh://", 0) == 0;
    if (!only_ssh) {
        text +=
            "\nStart dockerd or `podman system service --time=0 unix:///run/podman/podman.sock`, "
            "or name an engine with --host or DOCKER_HOST.";
    }
    return text;
}

std::string describe_engine_error(const std::string& operation, const std::string& target,
                                  int status, const std::string& message) {
    std::string text = operation;
    if (!target.empty())
        text += " " + target;
    text += " failed";
    if (status != 0)
        text += " (HTTP " + std::to_string(status) + ")";
    text += ": " + message;
    return text;
}

}  // namespace

const char* to_string(UnreachableReason reason) {
    switch (reason) {
        case UnreachableReason::absent:
            return "absent";
        case UnreachableReason::permission_denied:
            return "permission denied";
        case UnreachableReason::refused:
            return "connection refused";
        case UnreachableReason::tls:
            return "TLS failure";
        case UnreachableReason::protocol:
            return "not an engine";
        case UnreachableReason::host_key:
            return "host key not trusted";
        case UnreachableReason::authentication:
            return "login refused";
        case UnreachableReason::other:
            break;
    }
    return "unreachable";
}

EngineUnreachable::EngineUnreachable(std::string endpoint, UnreachableReason reason,
                                     std::string detail)
    : Error("cannot reach the engine at " + endpoint + ": " + to_string(reason) + " — " + detail +
            "; " + hint_for(reason, endpoint)),
      endpoint_(std::move(endpoint)),
      reason_(reason),
      detail_(std::move(detail)) {}

NoEngineFound::NoEngineFound(std::vector<DiscoveryAttempt> attempts)
    : Error(describe_attempts(attempts)), attempts_(std::move(attempts)) {}

EngineError::EngineError(std::string operation, std::string target, int http_status,
                         std::string engine_message)
    : Error(describe_engine_error(operation, target, http_status, engine_message)),
      operation_(std::move(operation)),
      target_(std::move(target)),
      http_status_(http_status),
      engine_message_(std::move(engine_message)) {}

namespace {

std::string joined_warnings(const std::vector<std::string>& warnings) {
    std::string text;
    for (const auto& warning : warnings)
        text += (text.empty() ? "" : "; ") + warning;
    return "the engine warned: " + text;
}

std::string replica_message(const std::string& project, const std::string& service, int index,
                            const std::vector<int>& numbers) {
    std::string message = "service '" + service + "' of project " + project;
    if (numbers.empty()) {
        message += " has no containers (scaled to 0, or not in the project)";
    } else {
        message += " has " + std::to_string(numbers.size()) +
                   (numbers.size() == 1 ? " replica, number" : " replicas, numbers");
        for (std::size_t i = 0; i < numbers.size(); ++i)
            message += (i == 0 ? " " : ", ") + std::to_string(numbers[i]);
    }
    return message + ": there is no replica " + std::to_string(index);
}

}  // namespace

EngineWarning::EngineWarning(std::string operation, std::string target,
                             std::vector<std::string> warnings)
    : EngineError(std::move(operation), std::move(target), 0, joined_warnings(warnings)),
      warnings_(std::move(warnings)) {}

TransportError::TransportError(std::string operation, std::string target, std::string detail)
    : Error(operation + (target.empty() ? "" : " " + target) + ": connection failed: " + detail),
      operation_(std::move(operation)),
      target_(std::move(target)),
      detail_(std::move(detail)) {}

ReplicaOutOfRange::ReplicaOutOfRange(const std::string& project, std::string service, int index,
                                     std::vector<int> numbers)
    : UsageError(replica_message(project, service, index, numbers)),
      service_(std::move(service)),
      index_(index),
      numbers_(std::move(numbers)) {}

Cancelled::Cancelled(const std::string& operation) : Error(operation + ": cancelled") {}

}  // namespace berth
