#pragma once
// Decoders for the two stream formats engines send: concatenated JSON objects
// (events, build, push, pull, import progress) and the 8-byte-header frames
// that multiplex stdout and stderr when a container or exec has no TTY.
// Both accept input split at any byte, as it arrives from the socket.

#include <berth/container.hpp>
#include <berth/resources.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace berth::detail {

class JsonStreamDecoder {
  public:
    using Callback = std::function<void(const nlohmann::json&)>;

    explicit JsonStreamDecoder(Callback callback) : callback_(std::move(callback)) {}

    /// Feeds bytes; calls the callback for each complete top-level value.
    /// Throws TransportError on text that is not JSON.
    void feed(std::string_view bytes);
    /// At the end of the stream: throws TransportError if a value was cut off.
    void finish() const;

  private:
    void scan();

    Callback callback_;
    std::string buffer_;
    std::size_t scanned_ = 0;  ///< bytes of buffer_ already scanned for the current value
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool started_ = false;
};

class FrameDemuxer {
  public:
    using Callback = std::function<void(OutputStream, std::string_view)>;

    explicit FrameDemuxer(Callback callback) : callback_(std::move(callback)) {}

    /// Throws TransportError on a header whose stream byte is not 0, 1 or 2.
    void feed(std::string_view bytes);
    /// Throws TransportError if the stream ended inside a frame.
    void finish() const;

  private:
    Callback callback_;
    std::string header_;
    OutputStream stream_ = OutputStream::stdout_stream;
    std::uint32_t remaining_ = 0;
};

/// Engines report build, push, pull and import failures inside a 200 stream:
/// throws EngineError when this progress object carries "error"/"errorDetail".
void throw_if_stream_error(const nlohmann::json& object, const std::string& operation,
                           const std::string& target);

/// One event line, as Docker or Podman wrote it, in berth's terms.
Event normalise_event(const nlohmann::json& raw);

}  // namespace berth::detail
