#include "engine/transport.hpp"

#include "engine/ssh_tunnel.hpp"

#include <berth/errors.hpp>

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>

namespace berth::detail {

namespace {

void ensure_curl_initialised() {
    static const bool initialised = [] {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return true;
    }();
    (void)initialised;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos)
        return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

/// Everything the curl callbacks of one transfer share.
struct TransferContext {
    CURL* easy = nullptr;
    const Request* request = nullptr;
    Response* response = nullptr;
    bool stopped_by_callback = false;
    bool received_anything = false;
    std::size_t uploaded_bytes = 0;
    std::exception_ptr callback_error;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* context = static_cast<TransferContext*>(user);
    std::string_view line(data, size * count);
    context->received_anything = true;
    if (line.starts_with("HTTP/")) {
        context->response->headers.clear();  // a 100-continue precedes the real answer
        return size * count;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        context->response->headers[lower(std::string(line.substr(0, colon)))] =
            trim(line.substr(colon + 1));
    }
    return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* context = static_cast<TransferContext*>(user);
    std::string_view block(data, size * count);
    context->received_anything = true;
    long status = 0;
    curl_easy_getinfo(context->easy, CURLINFO_RESPONSE_CODE, &status);
    bool success = status >= 200 && status < 300;
    if (!success || !context->request->on_data) {
        context->response->body.append(block);
        return block.size();
    }
    try {
        if (!context->request->on_data(block)) {
            context->stopped_by_callback = true;
            return 0;
        }
    } catch (...) {
        context->callback_error = std::current_exception();
        return 0;
    }
    return block.size();
}

std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* context = static_cast<TransferContext*>(user);
    try {
        std::size_t written = context->request->body_source(buffer, size * count);
        context->uploaded_bytes += written;
        return written;
    } catch (...) {
        context->callback_error = std::current_exception();
        return CURL_READFUNC_ABORT;
    }
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* context = static_cast<TransferContext*>(user);
    return context->request->cancel.cancelled() ? 1 : 0;
}

UnreachableReason reason_for(CURLcode code, long os_errno, const Endpoint& endpoint) {
    if (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION ||
        code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE ||
        code == CURLE_SSL_CIPHER || code == CURLE_SSL_ISSUER_ERROR) {
        return UnreachableReason::tls;
    }
    if (code == CURLE_COULDNT_RESOLVE_HOST)
        return UnreachableReason::absent;
    switch (os_errno) {
        case ENOENT:
            return UnreachableReason::absent;
        case EACCES:
        case EPERM:
            return UnreachableReason::permission_denied;
        case ECONNREFUSED:
            return UnreachableReason::refused;
        default:
            break;
    }
    // curl does not always keep errno for unix sockets; look at the path.
    if (endpoint.scheme == Endpoint::Scheme::unix_socket) {
        struct stat info {};
        if (::stat(endpoint.socket_path.c_str(), &info) != 0)
            return UnreachableReason::absent;
        if (::access(endpoint.socket_path.c_str(), R_OK | W_OK) != 0) {
            return UnreachableReason::permission_denied;
        }
        return UnreachableReason::refused;
    }
    return code == CURLE_COULDNT_CONNECT ? UnreachableReason::refused : UnreachableReason::other;
}

bool is_connection_failure(CURLcode code) {
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION ||
           code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE ||
           code == CURLE_SSL_CIPHER || code == CURLE_SSL_ISSUER_ERROR;
}

/// The engine's own words from an error body: {"message": ...} for Docker and
/// Podman's compat API, {"cause", "message"} for libpod, or plain text.
std::string engine_message(const std::string& body) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object()) {
        if (parsed.contains("message") && parsed["message"].is_string()) {
            return parsed["message"].get<std::string>();
        }
        if (parsed.contains("cause") && parsed["cause"].is_string()) {
            return parsed["cause"].get<std::string>();
        }
    }
    std::string text = trim(body);
    if (text.size() > 2000)
        text = text.substr(0, 2000) + "…";
    return text;
}

}  // namespace

std::string Response::header(const std::string& lower_name) const {
    auto found = headers.find(lower_name);
    return found == headers.end() ? std::string() : found->second;
}

std::string url_escape(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string escaped;
    escaped.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            escaped += static_cast<char>(c);
        } else {
            escaped += '%';
            escaped += hex[c >> 4];
            escaped += hex[c & 15];
        }
    }
    return escaped;
}

struct Transport::Handle {
    CURL* easy = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {};

    Handle() : easy(curl_easy_init()) {
        if (easy == nullptr)
            throw std::bad_alloc();
    }
    ~Handle() { curl_easy_cleanup(easy); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

Transport::Transport(Endpoint endpoint, std::chrono::milliseconds request_timeout,
                     std::chrono::milliseconds connect_timeout)
    : endpoint_(std::move(endpoint)),
      request_timeout_(request_timeout),
      connect_timeout_(connect_timeout) {
    ensure_curl_initialised();
    host_address_ = endpoint_.scheme == Endpoint::Scheme::tcp ? endpoint_.host : "127.0.0.1";
    if (endpoint_.scheme == Endpoint::Scheme::ssh) {
        tunnel_ = std::make_shared<SshTunnel>(endpoint_, connect_timeout_);
        endpoint_ = tunnel_->endpoint();
        host_address_ = tunnel_->host_address();
    }
    if (endpoint_.scheme != Endpoint::Scheme::tcp) {
        base_url_ = "http://localhost";
    } else {
        base_url_ = std::string(endpoint_.tls ? "https://" : "http://") + endpoint_.host + ":" +
                    std::to_string(endpoint_.port);
    }
}

Transport::~Transport() = default;

std::unique_ptr<Transport::Handle> Transport::acquire() {
    {
        std::lock_guard lock(pool_mutex_);
        if (!pool_.empty()) {
            auto handle = std::move(pool_.back());
            pool_.pop_back();
            return handle;
        }
    }
    return std::make_unique<Handle>();
}

void Transport::release(std::unique_ptr<Handle> handle) {
    constexpr std::size_t kept_handles = 16;
    std::lock_guard lock(pool_mutex_);
    if (pool_.size() < kept_handles)
        pool_.push_back(std::move(handle));
}

std::shared_ptr<SshTunnel> Transport::current_tunnel() {
    std::lock_guard lock(tunnel_mutex_);
    if (tunnel_ && !tunnel_->alive()) {
        // The session ended (the host rebooted, a network blip, sshd
        // restarted); the requests it carried have failed. Log in again.
        auto replacement = std::make_shared<SshTunnel>(endpoint_, connect_timeout_);
        tunnel_ = std::move(replacement);
    }
    return tunnel_;
}

Response Transport::perform(const Request& request) {
    std::shared_ptr<SshTunnel> tunnel = current_tunnel();
    auto handle = acquire();
    bool stale = false;
    // A request that must not be sent twice gets a connection of its own:
    // on a reused connection the engine may have closed, curl itself would
    // send the request again ("Connection died, retrying a fresh connect").
    bool fresh = !request.idempotent();
    Response response = perform_once(*handle, request, fresh, stale, tunnel.get());
    if (stale) {
        // The engine closed a pooled connection while it sat idle (Podman
        // does after a few seconds); perform_once only says so for requests
        // that may be repeated.
        response = perform_once(*handle, request, true, stale, tunnel.get());
    }
    release(std::move(handle));
    return response;
}

Response Transport::perform_once(Handle& handle, const Request& request, bool fresh_connection,
                                 bool& reused_connection_failed_early, const SshTunnel* tunnel) {
    reused_connection_failed_early = false;
    CURL* easy = handle.easy;
    curl_easy_reset(easy);

    Response response;
    TransferContext context;
    context.easy = easy;
    context.request = &request;
    context.response = &response;

    std::string url = base_url_ + request.path;
    char separator = '?';
    for (const auto& [name, value] : request.query) {
        url += separator;
        url += url_escape(name) + "=" + url_escape(value);
        separator = '&';
    }
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    if (tunnel != nullptr) {
        curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, tunnel->local_socket().c_str());
    } else if (endpoint_.scheme == Endpoint::Scheme::unix_socket) {
        curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, endpoint_.socket_path.c_str());
    }
    if (endpoint_.tls) {
        const TlsFiles& tls = *endpoint_.tls;
        if (!tls.ca_certificate.empty())
            curl_easy_setopt(easy, CURLOPT_CAINFO, tls.ca_certificate.c_str());
        if (!tls.client_certificate.empty()) {
            curl_easy_setopt(easy, CURLOPT_SSLCERT, tls.client_certificate.c_str());
        }
        if (!tls.client_key.empty())
            curl_easy_setopt(easy, CURLOPT_SSLKEY, tls.client_key.c_str());
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, tls.verify_server ? 1L : 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, tls.verify_server ? 2L : 0L);
    }
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, handle.error_buffer);
    handle.error_buffer[0] = '\0';
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
    auto limit = request.timeout.value_or(request_timeout_);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     request.stream ? 0L : static_cast<long>(limit.count()));
    if (fresh_connection)
        curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);

    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &context);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &context);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &context);

    Slist headers;
    auto add_header = [&headers](const std::string& header) {
        curl_slist* extended = curl_slist_append(headers.get(), header.c_str());
        if (extended == nullptr)
            throw std::bad_alloc();
        (void)headers.release();
        headers.reset(extended);
    };
    // Engines do not answer "Expect: 100-continue"; curl would wait a second.
    add_header("Expect:");
    for (const auto& header : request.headers)
        add_header(header);

    if (request.body_source) {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(easy, CURLOPT_READDATA, &context);
        add_header("Transfer-Encoding: chunked");
    } else if (request.method == "POST" || request.body) {
        const std::string& body = request.body ? *request.body : std::string();
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
        if (request.method != "POST") {
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
    } else if (request.method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET") {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());

    CURLcode code = curl_easy_perform(easy);

    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);

    if (context.callback_error)
        std::rethrow_exception(context.callback_error);
    if (code == CURLE_OK)
        return response;
    if (code == CURLE_WRITE_ERROR && context.stopped_by_callback)
        return response;
    if (code == CURLE_ABORTED_BY_CALLBACK && request.cancel.cancelled()) {
        throw Cancelled(request.operation);
    }

    long new_connections = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
    bool reused = new_connections == 0;
    bool retryable_code =
        code == CURLE_GOT_NOTHING || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR;
    if (!fresh_connection && reused && retryable_code && !context.received_anything &&
        context.uploaded_bytes == 0 && request.idempotent()) {
        reused_connection_failed_early = true;
        return response;
    }

    std::string detail =
        handle.error_buffer[0] != '\0' ? handle.error_buffer : curl_easy_strerror(code);
    if (tunnel != nullptr) {
        // Over ssh every failure first asks whether the session or the far
        // socket is the cause: that, not curl's view of a local socket, is
        // what the user can act on.
        if (auto failure = tunnel->explain_failure())
            throw EngineUnreachable(endpoint_.uri(), failure->reason, failure->detail);
    }
    if (is_connection_failure(code)) {
        long os_errno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
        UnreachableReason reason = reason_for(code, os_errno, endpoint_);
        if (endpoint_.scheme == Endpoint::Scheme::unix_socket) {
            // curl words a socket failure as one on "localhost port 80".
            detail = "cannot connect to socket " + endpoint_.socket_path;
        }
        if (os_errno != 0)
            detail += std::string(" (") + std::strerror(static_cast<int>(os_errno)) + ")";
        throw EngineUnreachable(endpoint_.uri(), reason, detail);
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        detail = "no complete answer within " +
                 std::to_string(request.timeout.value_or(request_timeout_).count()) + " ms (" +
                 detail + ")";
    }
    if (!context.received_anything && code == CURLE_GOT_NOTHING) {
        detail = "the engine closed the connection without answering (" + detail + ")";
    }
    if (!request.idempotent() && response.status == 0) {
        throw OutcomeUnknown(request.operation, request.target,
                             detail +
                                 "; the engine may have carried the request out, so it was "
                                 "not sent again");
    }
    throw TransportError(request.operation, request.target, detail);
}

void Transport::raise(const Request& request, const Response& response) {
    std::string message = engine_message(response.body);
    if (message.empty())
        message = "HTTP " + std::to_string(response.status) + " with no message";
    switch (response.status) {
        case 404:
            throw NotFound(request.operation, request.target, response.status, message);
        case 409:
            throw Conflict(request.operation, request.target, response.status, message);
        default:
            throw EngineError(request.operation, request.target, response.status, message);
    }
}

}  // namespace berth::detail
