// `berth watchdog`: started by a test fixture, not by people. It takes the
// fixture's project down if the fixture's process dies without saying so.

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/fixture.hpp>

namespace berth::cli {

namespace {

/// The fixture's endpoint whole: a URI alone loses its TLS files and its
/// ssh key, which the fixture found in the environment or a context.
Endpoint watchdog_endpoint(const ParsedOptions& parsed, const std::string& uri) {
    Endpoint endpoint = Endpoint::parse(uri);
    endpoint.identity_file = parsed.value("--identity").value_or("");
    for (const char* option : {"--tls-ca", "--tls-cert", "--tls-key", "--tls-verify"}) {
        if (parsed.has(option) && !parsed.has("--tls"))
            throw CommandLineError("watchdog", std::string("watchdog: ") + option +
                                                   " is for a TLS endpoint: give --tls too");
    }
    if (parsed.has("--tls")) {
        endpoint.tls = TlsFiles{.ca_certificate = parsed.value("--tls-ca").value_or(""),
                                .client_certificate = parsed.value("--tls-cert").value_or(""),
                                .client_key = parsed.value("--tls-key").value_or(""),
                                .verify_server = parsed.has("--tls-verify")};
    }
    return endpoint;
}

int watchdog(const ParsedOptions& parsed) {
    auto descriptor = parsed.number("--fd");
    auto endpoint = parsed.value("--host");
    auto project = parsed.value("--project-name");
    if (!descriptor || !endpoint || !project || !parsed.operands.empty())
        throw CommandLineError("watchdog", "watchdog: needs --fd, --host and -p, and nothing else");
    return run_watchdog(*descriptor, watchdog_endpoint(parsed, *endpoint), *project,
                        parsed.value("--session").value_or(""), parsed.has("--graceful"));
}

}  // namespace

Command watchdog_command() {
    return {
        {"watchdog",
         "",
         "Started by test fixtures: takes the project down when the fixture's process\n"
         "dies (the read end of a pipe, descriptor N, sees end of file).",
         {{{"--fd"}, "N", "The pipe's read end, inherited from the fixture"},
          {{"--host"}, "URI", "The engine the project runs on"},
          {{"-p", "--project-name"}, "NAME", "The project to take down"},
          {{"--session"}, "ID", "Only the objects of this fixture session (its label)"},
          {{"--identity"}, "FILE", "ssh:// only: the key the fixture offered"},
          {{"--tls"}, "", "tcp:// only: the engine speaks TLS"},
          {{"--tls-ca"}, "FILE", "tcp:// with TLS: the CA certificate"},
          {{"--tls-cert"}, "FILE", "tcp:// with TLS: the client certificate"},
          {{"--tls-key"}, "FILE", "tcp:// with TLS: the client key"},
          {{"--tls-verify"}, "", "tcp:// with TLS: verify the engine's certificate"},
          {{"--graceful"}, "", "Stop each service within its grace period instead of killing it"}}},
        watchdog};
}

}  // namespace berth::cli
