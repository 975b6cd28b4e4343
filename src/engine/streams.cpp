#include "engine/streams.hpp"

#include <berth/errors.hpp>

namespace berth::detail {

void JsonStreamDecoder::feed(std::string_view bytes) {
    buffer_.append(bytes);
    scan();
}

void JsonStreamDecoder::scan() {
    std::size_t position = scanned_;
    while (position < buffer_.size()) {
        char c = buffer_[position];
        if (!started_) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                ++position;
                continue;
            }
            if (c != '{' && c != '[') {
                throw TransportError(
                    "read stream", "",
                    "unexpected text in a JSON stream: '" + buffer_.substr(position, 80) + "'");
            }
            // Drop what came before this value so the buffer stays small.
            buffer_.erase(0, position);
            position = 0;
            started_ = true;
        }
        c = buffer_[position];
        if (in_string_) {
            if (escaped_) {
                escaped_ = false;
            } else if (c == '\\') {
                escaped_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
        } else if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            if (--depth_ == 0) {
                std::string text = buffer_.substr(0, position + 1);
                buffer_.erase(0, position + 1);
                position = 0;
                started_ = false;
                auto value = nlohmann::json::parse(text, nullptr, false);
                if (value.is_discarded()) {
                    throw TransportError("read stream", "",
                                         "malformed JSON object in stream: " + text.substr(0, 200));
                }
                callback_(value);
                continue;
            }
        }
        ++position;
    }
    if (!started_) {
        buffer_.clear();
        position = 0;
    }
    scanned_ = position;
}

void JsonStreamDecoder::finish() const {
    if (started_) {
        throw TransportError("read stream", "",
                             "the stream ended inside a JSON object: " + buffer_.substr(0, 200));
    }
}

void FrameDemuxer::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        if (remaining_ == 0) {
            std::size_t wanted = 8 - header_.size();
            std::size_t taken = std::min(wanted, bytes.size());
            header_.append(bytes.substr(0, taken));
            bytes.remove_prefix(taken);
            if (header_.size() < 8)
                return;
            auto stream_byte = static_cast<unsigned char>(header_[0]);
            if (stream_byte > 2) {
                throw TransportError(
                    "read output", "",
                    "malformed output frame (stream byte " + std::to_string(stream_byte) + ")");
            }
            stream_ = static_cast<OutputStream>(stream_byte);
            remaining_ = (std::uint32_t(static_cast<unsigned char>(header_[4])) << 24) |
                         (std::uint32_t(static_cast<unsigned char>(header_[5])) << 16) |
                         (std::uint32_t(static_cast<unsigned char>(header_[6])) << 8) |
                         std::uint32_t(static_cast<unsigned char>(header_[7]));
            header_.clear();
            continue;
        }
        std::size_t taken = std::min<std::size_t>(remaining_, bytes.size());
        callback_(stream_, bytes.substr(0, taken));
        remaining_ -= static_cast<std::uint32_t>(taken);
        bytes.remove_prefix(taken);
    }
}

void FrameDemuxer::finish() const {
    if (remaining_ != 0 || !header_.empty()) {
        throw TransportError("read output", "", "the output stream ended inside a frame");
    }
}

void throw_if_stream_error(const nlohmann::json& object, const std::string& operation,
                           const std::string& target) {
    if (!object.is_object())
        return;
    std::string message;
    if (auto detail = object.find("errorDetail"); detail != object.end() && detail->is_object()) {
        if (auto text = detail->find("message"); text != detail->end() && text->is_string()) {
            message = text->get<std::string>();
        }
    }
    if (message.empty()) {
        if (auto error = object.find("error"); error != object.end()) {
            if (error->is_string()) {
                message = error->get<std::string>();
            } else if (!error->is_null() && !(error->is_boolean() && !error->get<bool>())) {
                message = error->dump();
            }
        }
    }
    if (!message.empty())
        throw EngineError(operation, target, 0, message);
}

}  // namespace berth::detail
