// Image operations: inspect, import, build, tag, push, pull, remove.

#include <berth/engine.hpp>

#include "engine/archive.hpp"
#include "engine/engine_state.hpp"
#include "engine/registry_auth.hpp"
#include "engine/streams.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

namespace berth {

namespace {

std::optional<std::vector<std::string>> optional_list(const nlohmann::json& object,
                                                      const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_array())
        return std::nullopt;
    return string_list(object, key);
}

ImageInfo parse_image(const nlohmann::json& raw) {
    ImageInfo image;
    image.id = string_field(raw, "Id");
    image.tags = string_list(raw, "RepoTags");
    image.digests = string_list(raw, "RepoDigests");
    image.size_bytes = integer_field<std::int64_t>(raw, "Size", image.size_bytes);
    image.created = string_field(raw, "Created");
    const nlohmann::json config = raw.contains("Config") ? raw["Config"] : nlohmann::json::object();
    image.labels = string_map(config, "Labels");
    image.environment = string_list(config, "Env");
    image.command = optional_list(config, "Cmd");
    image.entrypoint = optional_list(config, "Entrypoint");
    image.working_dir = string_field(config, "WorkingDir");
    image.user = string_field(config, "User");
    return image;
}

/// Feeds a progress stream to a decoder that raises errors found inside it
/// and reports every line to the caller.
struct ProgressReader {
    ProgressReader(std::string operation_name, std::string target_name, ProgressCallback callback)
        : operation(std::move(operation_name)),
          target(std::move(target_name)),
          progress(std::move(callback)) {}
    ProgressReader(const ProgressReader&) = delete;
    ProgressReader& operator=(const ProgressReader&) = delete;

    std::string operation;
    std::string target;
    ProgressCallback progress;
    std::string last_aux_id;
    detail::JsonStreamDecoder decoder{[this](const nlohmann::json& line) { on_line(line); }};

    void on_line(const nlohmann::json& line) {
        detail::throw_if_stream_error(line, operation, target);
        if (line.contains("aux") && line["aux"].is_object()) {
            std::string id = string_field(line["aux"], "ID");
            if (!id.empty())
                last_aux_id = id;
        }
        if (!progress)
            return;
        Progress item;
        item.id = string_field(line, "id");
        item.message = string_field(line, "stream");
        if (item.message.empty()) {
            item.message = string_field(line, "status");
            std::string detail = string_field(line, "progress");
            if (!detail.empty())
                item.message += " " + detail;
        }
        if (item.message.empty())
            return;
        item.step = is_build_step(item.message);
        progress(item);
    }

    /// Docker's classic builder says "Step 3/12 : RUN ...", Podman's
    /// "STEP 3/12: RUN ...".
    static bool is_build_step(std::string_view text) {
        if (text.substr(0, 5) != "Step " && text.substr(0, 5) != "STEP ")
            return false;
        std::size_t slash = text.find('/', 5);
        return slash != std::string_view::npos && slash > 5 &&
               std::isdigit(static_cast<unsigned char>(text[5])) != 0;
    }
};

/// What RUN steps see: hosts, network, /dev/shm, and the cache sources and
/// platform. Docker takes each extra host as a parameter of its own ("host:ip");
/// Podman's compat endpoint takes them as one JSON list.
void add_build_environment(const BuildOptions& options, bool podman,
                           std::vector<std::pair<std::string, std::string>>& query) {
    if (!options.extra_hosts.empty()) {
        if (podman) {
            query.emplace_back("extrahosts", nlohmann::json(options.extra_hosts).dump());
        } else {
            for (const auto& host : options.extra_hosts)
                query.emplace_back("extrahosts", host);
        }
    }
    if (!options.network.empty())
        query.emplace_back("networkmode", options.network);
    if (options.shm_size_bytes)
        query.emplace_back("shmsize", std::to_string(*options.shm_size_bytes));
    if (!options.cache_from.empty())
        query.emplace_back("cachefrom", nlohmann::json(options.cache_from).dump());
    if (!options.platform.empty())
        query.emplace_back("platform", options.platform);
}

/// Sends a request answered by a progress stream (import, build, push):
/// reports each line, raises an error found inside it, and returns the last
/// image id the stream announced.
std::string send_with_progress(const std::function<void(const detail::Request&)>& send,
                               detail::Request& request, const ProgressCallback& progress) {
    ProgressReader reader{request.operation, request.target, progress};
    request.stream = true;
    request.on_data = [&reader](std::string_view bytes) {
        reader.decoder.feed(bytes);
        return true;
    };
    send(request);
    reader.decoder.finish();
    return reader.last_aux_id;
}

}  // namespace

ImageReference ImageReference::parse(const std::string& reference) {
    ImageReference parsed;
    std::string rest = reference;
    if (auto at = rest.find('@'); at != std::string::npos) {
        parsed.digest = rest.substr(at + 1);
        rest = rest.substr(0, at);
    }
    auto slash = rest.rfind('/');
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        parsed.tag = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    parsed.repository = rest;
    if (parsed.tag.empty() && parsed.digest.empty())
        parsed.tag = "latest";
    return parsed;
}

std::string ImageReference::str() const {
    std::string text = repository;
    if (!tag.empty())
        text += ":" + tag;
    if (!digest.empty())
        text += "@" + digest;
    return text;
}

bool same_image_name(const std::string& a, const std::string& b) {
    auto normalise = [](const std::string& name) {
        std::string text = ImageReference::parse(name).str();
        for (const char* prefix : {"docker.io/library/", "docker.io/", "localhost/"}) {
            std::string_view view(prefix);
            if (text.rfind(view, 0) == 0) {
                text = text.substr(view.size());
                break;
            }
        }
        if (text.rfind("library/", 0) == 0)
            text = text.substr(8);
        return text;
    };
    return normalise(a) == normalise(b);
}

std::optional<ImageInfo> Engine::image_inspect(const std::string& reference) {
    auto request =
        state_->request("GET", state_->api("/images/" + path_segment(reference) + "/json"),
                        "inspect image", reference);
    // Podman's inspect reads the image's relatives too (for Parent), and
    // says 500 "image not known" of one that another client removed
    // meanwhile; an image of its own that is missing is a 404.
    detail::Response response = state_->send_again_while(request, "image not known", {404});
    if (response.status == 404)
        return std::nullopt;
    return state_->decode(request, state_->parse_body(request, response), parse_image);
}

bool Engine::image_exists(const std::string& reference) {
    return image_inspect(reference).has_value();
}

std::string Engine::image_import(const ByteSource& tar, const std::string& reference,
                                 const ProgressCallback& progress,
                                 const std::vector<std::string>& changes) {
    ImageReference parsed = ImageReference::parse(reference);
    detail::Request request;
    if (state_->backend.is_podman()) {
        // Podman's compat import drops the tag and files the image under
        // docker.io; its own endpoint names it as asked (localhost/...).
        request =
            state_->request("POST", state_->libpod("/images/import"), "import image", reference);
        request.query = {{"reference", parsed.str()}};
    } else {
        request = state_->request("POST", state_->api("/images/create"), "import image", reference);
        request.query = {{"fromSrc", "-"}, {"repo", parsed.repository}, {"tag", parsed.tag}};
    }
    for (const auto& change : changes)
        request.query.emplace_back("changes", change);
    request.headers.push_back("Content-Type: application/x-tar");
    request.body_source = tar;
    send_with_progress([this](const detail::Request& each) { state_->send(each); }, request,
                       progress);
    auto image = image_inspect(reference);
    if (!image) {
        throw EngineError("import image", reference, 0,
                          "the engine accepted the tar but no image is tagged " + reference);
    }
    return image->id;
}

std::string Engine::image_import_file(const std::filesystem::path& tar_file,
                                      const std::string& reference,
                                      const ProgressCallback& progress,
                                      const std::vector<std::string>& changes) {
    auto stream = std::make_shared<std::ifstream>(tar_file, std::ios::binary);
    if (!*stream)
        throw UsageError("cannot open " + tar_file.string() + " to import it");
    return image_import(detail::file_source(stream), reference, progress, changes);
}

std::string Engine::image_build(const BuildOptions& options, const ProgressCallback& progress,
                                const CancelToken& cancel) {
    namespace fs = std::filesystem;
    fs::path context(options.context_dir);
    std::string dockerfile = options.dockerfile;
    const bool inline_file = !options.dockerfile_inline.empty();
    if (inline_file) {
        dockerfile = ".berth-dockerfile-inline";
    } else if (dockerfile.empty()) {
        dockerfile = fs::exists(context / "Containerfile") ? "Containerfile" : "Dockerfile";
    }
    std::string target = options.tags.empty() ? options.context_dir : options.tags.front();
    if (!inline_file && !fs::exists(context / dockerfile)) {
        throw UsageError("build " + target + ": no " + dockerfile + " in " + context.string());
    }
    if (state_->backend.is_podman() && !options.network.empty() && options.network != "host") {
        // Measured on Podman 4.3: RUN steps share the host's network whatever
        // networkmode says, so another mode would be silently dropped.
        throw UsageError("build " + target + ": network '" + options.network +
                         "': Podman's build endpoint ignores networkmode (its RUN steps use the "
                         "host's network); use network: host or leave it out");
    }
    detail::TemporaryFile tar("berth-context");
    detail::write_context_tar(context, dockerfile, tar.path(),
                              inline_file ? &options.dockerfile_inline : nullptr);

    auto request = state_->request("POST", state_->api("/build"), "build image", target);
    request.query.emplace_back("dockerfile", dockerfile);
    for (const auto& tag : options.tags)
        request.query.emplace_back("t", tag);
    if (!options.build_args.empty()) {
        request.query.emplace_back("buildargs", nlohmann::json(options.build_args).dump());
    }
    if (!options.labels.empty()) {
        request.query.emplace_back("labels", nlohmann::json(options.labels).dump());
    }
    if (!options.target.empty())
        request.query.emplace_back("target", options.target);
    if (options.no_cache)
        request.query.emplace_back("nocache", "1");
    request.query.emplace_back("pull", options.pull ? "1" : "0");
    add_build_environment(options, state_->backend.is_podman(), request.query);
    request.query.emplace_back("rm", "1");
    // A failed step must not leave its intermediate container behind.
    request.query.emplace_back("forcerm", "1");
    request.headers.push_back("Content-Type: application/x-tar");
    auto stream = std::make_shared<std::ifstream>(tar.path(), std::ios::binary);
    request.body_source = detail::file_source(stream);
    request.cancel = cancel;
    std::string announced_id = send_with_progress(
        [this](const detail::Request& each) { state_->send(each); }, request, progress);
    if (!options.tags.empty()) {
        auto image = image_inspect(options.tags.front());
        if (!image) {
            throw EngineError("build image", target, 0,
                              "the build finished but no image is tagged " + options.tags.front());
        }
        return image->id;
    }
    if (announced_id.empty()) {
        throw EngineError("build image", target, 0, "the build finished without an image id");
    }
    return announced_id;
}

void Engine::image_tag(const std::string& source, const std::string& target_reference) {
    ImageReference target = ImageReference::parse(target_reference);
    auto request = state_->request("POST", state_->api("/images/" + path_segment(source) + "/tag"),
                                   "tag image", source + " as " + target_reference);
    request.query = {{"repo", target.repository}, {"tag", target.tag}};
    state_->send(request);
}

void Engine::image_push(const std::string& reference, const PushOptions& options,
                        const ProgressCallback& progress, const CancelToken& cancel) {
    ImageReference parsed = ImageReference::parse(reference);
    detail::Request request;
    if (state_->backend.is_podman()) {
        // Podman's compat push has no way to skip TLS for a plain-HTTP
        // registry on localhost; its own endpoint does.
        request =
            state_->request("POST", state_->libpod("/images/" + path_segment(reference) + "/push"),
                            "push image", reference);
        request.query = {{"destination", parsed.str()},
                         {"tlsVerify", options.tls_verify ? "true" : "false"}};
    } else {
        request = state_->request(
            "POST", state_->api("/images/" + path_segment(parsed.repository) + "/push"),
            "push image", reference);
        request.query = {{"tag", parsed.tag}};
    }
    // Docker refuses a push without credentials; "{}" (e30=) means anonymous.
    request.headers.push_back("X-Registry-Auth: " + detail::registry_auth_header(reference));
    request.cancel = cancel;
    send_with_progress([this](const detail::Request& each) { state_->send(each); }, request,
                       progress);
}

void Engine::image_pull(const std::string& reference, const ProgressCallback& progress,
                        const CancelToken& cancel) {
    ImageReference parsed = ImageReference::parse(reference);
    detail::Request request;
    if (state_->backend.is_podman() &&
        detail::loopback_registry(detail::registry_host(reference))) {
        // Docker always treats registries on loopback as insecure (plain
        // HTTP); Podman does so only through registries.conf, or for a pull
        // through its own endpoint with tlsVerify=false. berth gives both
        // engines Docker's rule.
        request = state_->request("POST", state_->libpod("/images/pull"), "pull image", reference);
        request.query = {{"reference", parsed.str()}, {"tlsVerify", "false"}};
    } else {
        // Both engines answer the compat endpoint; an unreachable registry comes
        // as an error status from Podman and inside the 200 stream from Docker.
        request = state_->request("POST", state_->api("/images/create"), "pull image", reference);
        request.query = {{"fromImage", parsed.repository},
                         {"tag", parsed.digest.empty() ? parsed.tag : parsed.digest}};
    }
    request.headers.push_back("X-Registry-Auth: " + detail::registry_auth_header(reference));
    request.cancel = cancel;
    send_with_progress([this](const detail::Request& each) { state_->send(each); }, request,
                       progress);
    if (!image_exists(reference)) {
        throw EngineError("pull image", reference, 0,
                          "the pull finished but the engine has no image " + reference);
    }
}

void Engine::image_remove(const std::string& reference, bool force) {
    auto request = state_->request("DELETE", state_->api("/images/" + path_segment(reference)),
                                   "remove image", reference);
    if (force)
        request.query.emplace_back("force", "1");
    state_->send(request);
}

}  // namespace berth
