#include <berth/compose/units.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using berth::compose::format_duration;
using berth::compose::parse_byte_size;
using berth::compose::parse_duration;

TEST_CASE("durations") {
    CHECK(parse_duration("1m30s") == 90s);
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("1h") == 1h);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("10") == 10s);
    CHECK(parse_duration("2us") == 2us);
    CHECK(parse_duration("3ns") == 3ns);
    CHECK(parse_duration("1h2m3s4ms") == 1h + 2min + 3s + 4ms);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("1x"));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("1e400s"));
    CHECK_FALSE(parse_duration("99999999999999999999h"));
}

TEST_CASE("durations print as Go prints them") {
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(500ms) == "500ms");
    CHECK(format_duration(1h) == "1h0m0s");
    CHECK(format_duration(1500ms) == "1.5s");
    CHECK(format_duration(3723s) == "1h2m3s");
    CHECK(format_duration(250us) == "250us");
    for (std::chrono::nanoseconds duration :
         {std::chrono::nanoseconds(90s), std::chrono::nanoseconds(1500ms),
          std::chrono::nanoseconds(3723s), std::chrono::nanoseconds(1h)}) {
        CHECK(parse_duration(format_duration(duration)) == duration);
    }
}

TEST_CASE("byte sizes") {
    CHECK(parse_byte_size("64m") == 64 * 1024 * 1024);
    CHECK(parse_byte_size("1g") == 1024LL * 1024 * 1024);
    CHECK(parse_byte_size("1GB") == 1024LL * 1024 * 1024);
    CHECK(parse_byte_size("512k") == 512 * 1024);
    CHECK(parse_byte_size("100") == 100);
    CHECK(parse_byte_size("100b") == 100);
    CHECK(parse_byte_size("1.5m") == 1024 * 1024 * 3 / 2);
    CHECK_FALSE(parse_byte_size("m"));
    CHECK_FALSE(parse_byte_size("12x"));
    CHECK_FALSE(parse_byte_size("-1m"));
}
