// libFuzzer target for the engine's stream decoders: the JSON object stream
// (events, build, pull, push and import progress, with errors inside a 200)
// and the 8-byte-header frames that multiplex stdout and stderr. The first
// byte picks the size of the pieces the rest arrives in.
//
// Contract: any bytes either decode or fail with TransportError (malformed
// stream) or EngineError (an error object inside it); and what comes out does
// not depend on where the socket split the bytes. Anything else (a crash,
// another exception, a sanitizer report, a difference) is a bug. HTTP chunked
// bodies are decoded by libcurl before these decoders see them; the fake
// engine tests tear chunks.

#include <berth/errors.hpp>

#include "engine/streams.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using berth::detail::FrameDemuxer;
using berth::detail::JsonStreamDecoder;

/// Everything a decoder produced, then how it ended, as one comparable text.
std::string decode_json(std::string_view input, std::size_t piece) {
    std::string seen;
    JsonStreamDecoder decoder([&seen](const nlohmann::json& value) {
        seen += value.dump() + "\n";
        try {
            berth::detail::throw_if_stream_error(value, "fuzz", "target");
            berth::Event event = berth::detail::normalise_event(value);
            seen += event.type + "/" + event.action + "/" + event.id + "\n";
        } catch (const berth::EngineError& error) {
            seen += std::string("stream error: ") + error.what() + "\n";
        }
    });
    try {
        for (std::size_t at = 0; at < input.size(); at += piece)
            decoder.feed(input.substr(at, piece));
        decoder.finish();
        seen += "end";
    } catch (const berth::TransportError&) {
        seen += "malformed";  // the message may quote a different amount of text
    }
    return seen;
}

std::string decode_frames(std::string_view input, std::size_t piece) {
    std::string out[3];
    FrameDemuxer demuxer([&out](berth::OutputStream stream, std::string_view data) {
        out[static_cast<int>(stream) % 3].append(data);
    });
    std::string ending;
    try {
        for (std::size_t at = 0; at < input.size(); at += piece)
            demuxer.feed(input.substr(at, piece));
        demuxer.finish();
        ending = "end";
    } catch (const berth::TransportError&) {
        ending = "malformed";
    }
    // Bytes already handed on before a malformed header depend on nothing
    // but the input, so they are compared too.
    return out[0] + "\x1f" + out[1] + "\x1f" + out[2] + "\x1f" + ending;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::size_t piece = data[0] % 13 + 1;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (decode_json(input, piece) != decode_json(input, input.size() + 1)) {
        std::fprintf(stderr, "the JSON stream decoded differently in pieces of %zu\n", piece);
        std::abort();
    }
    if (decode_frames(input, piece) != decode_frames(input, input.size() + 1)) {
        std::fprintf(stderr, "the frames decoded differently in pieces of %zu\n", piece);
        std::abort();
    }
    return 0;
}
