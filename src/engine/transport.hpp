#pragma once
// HTTP over an engine socket, with libcurl. Internal to berth: nothing above
// src/engine/ sees a curl handle or an HTTP header.

#include <berth/cancel.hpp>
#include <berth/endpoint.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::detail {

class SshTunnel;

/// Query parameters, kept in order and escaped on use.
using Query = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method = "GET";
    std::string path;  ///< already versioned, e.g. "/v1.41/containers/json"
    Query query;
    std::vector<std::string> headers;  ///< "Name: value"
    std::optional<std::string> body;
    /// Streams the body from this source instead (chunked upload), for tars.
    std::function<std::size_t(char*, std::size_t)> body_source;
    /// Called with each block of the response body as it arrives; when set,
    /// Response::body stays empty for 2xx answers. Return false to stop.
    std::function<bool(std::string_view)> on_data;
    /// Streams (events, logs -f, build, wait) have no whole-request limit.
    bool stream = false;
    /// Replaces the transport's whole-request limit (stop waits for the
    /// container's own grace period before answering).
    std::optional<std::chrono::milliseconds> timeout;
    /// Set for a POST the engine treats as idempotent (start and stop answer
    /// 304 when repeated), so that it may be sent again like a GET.
    bool repeatable_post = false;
    /// GET/HEAD/PUT/DELETE (and repeatable POSTs) may be sent again when the
    /// connection fails before the answer; any other POST never is.
    bool idempotent() const { return method != "POST" || repeatable_post; }
    /// What this request does, for error messages: "inspect container".
    std::string operation;
    std::string target;
    CancelToken cancel;
};

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< lower-cased names
    std::string body;

    std::string header(const std::string& lower_name) const;
    bool ok() const { return status >= 200 && status < 300; }
};

class Transport {
  public:
    Transport(Endpoint endpoint, std::chrono::milliseconds request_timeout,
              std::chrono::milliseconds connect_timeout);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    /// Performs the request. Connection failures throw EngineUnreachable or
    /// TransportError; HTTP error statuses are returned, not thrown (callers
    /// decide whether 304 or 404 is an error). Cancellation throws Cancelled.
    Response perform(const Request& request);

    /// Throws the typed error for a non-2xx response, with the engine's message.
    [[noreturn]] static void raise(const Request& request, const Response& response);

    /// The endpoint; for ssh:// with the remote socket it resolved to.
    const Endpoint& endpoint() const { return endpoint_; }
    /// Where the engine's published ports are reached from this machine:
    /// 127.0.0.1 for a local socket, the tcp host, or the address ssh
    /// resolves an ssh:// destination to.
    const std::string& host_address() const { return host_address_; }

  private:
    struct Handle;
    std::unique_ptr<Handle> acquire();
    void release(std::unique_ptr<Handle> handle);
    Response perform_once(Handle& handle, const Request& request, bool fresh_connection,
                          bool& reused_connection_failed_early, const SshTunnel* tunnel);
    /// The ssh session of an ssh:// endpoint, logged in again when the last
    /// one has ended (its requests failed with EngineUnreachable).
    std::shared_ptr<SshTunnel> current_tunnel();

    Endpoint endpoint_;
    std::string base_url_;
    std::chrono::milliseconds request_timeout_;
    std::chrono::milliseconds connect_timeout_;
    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<Handle>> pool_;
    std::string host_address_;
    std::mutex tunnel_mutex_;
    std::shared_ptr<SshTunnel> tunnel_;
};

/// Percent-encodes a string for a URL path segment or query value.
std::string url_escape(std::string_view text);

}  // namespace berth::detail
