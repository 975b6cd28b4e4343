#include <doctest/doctest.h>

#include "compose/interpolation.hpp"

namespace {

using berth::compose::detail::interpolate;
using berth::compose::detail::InterpolationFailure;
using berth::compose::detail::Variables;

const Variables variables = {{"SET", "value"}, {"EMPTY", ""}, {"INNER", "inner"}};

std::string expand(const std::string& text) {
    auto result = interpolate(text, variables);
    if (auto* failure = std::get_if<InterpolationFailure>(&result)) {
        FAIL(failure->message);
    }
    return std::get<std::string>(result);
}

std::string failure(const std::string& text) {
    auto result = interpolate(text, variables);
    REQUIRE(std::holds_alternative<InterpolationFailure>(result));
    return std::get<InterpolationFailure>(result).message;
}

}  // namespace

TEST_CASE("plain and braced variables") {
    CHECK(expand("$SET") == "value");
    CHECK(expand("${SET}") == "value");
    CHECK(expand("a${SET}b$SET.c") ==
          "avalueb"
          "value.c");
    CHECK(expand("${UNSET}") == "");
    CHECK(expand("$UNSET-x") == "-x");
    CHECK(expand("no variables") == "no variables");
}

TEST_CASE("defaults distinguish unset from empty") {
    CHECK(expand("${UNSET:-d}") == "d");
    CHECK(expand("${EMPTY:-d}") == "d");
    CHECK(expand("${SET:-d}") == "value");
    CHECK(expand("${UNSET-d}") == "d");
    CHECK(expand("${EMPTY-d}") == "");
    CHECK(expand("${UNSET:-}") == "");
    CHECK(expand("${UNSET:-a b:c}") == "a b:c");
}

TEST_CASE("alternatives") {
    CHECK(expand("${SET:+alt}") == "alt");
    CHECK(expand("${EMPTY:+alt}") == "");
    CHECK(expand("${EMPTY+alt}") == "alt");
    CHECK(expand("${UNSET+alt}") == "");
}

TEST_CASE("required variables") {
    CHECK(expand("${SET:?must}") == "value");
    CHECK(expand("${EMPTY?must}") == "");
    CHECK(failure("${UNSET:?set it please}") ==
          "required variable UNSET is not set: set it please");
    CHECK(failure("${EMPTY:?no}") == "required variable EMPTY is empty: no");
    CHECK(failure("${UNSET?}") == "required variable UNSET is not set");
}

TEST_CASE("nested defaults and alternatives") {
    CHECK(expand("${UNSET:-${INNER}}") == "inner");
    CHECK(expand("${A:-${B:-${C:-deep}}}") == "deep");
    CHECK(expand("${SET:+${INNER}-x}") == "inner-x");
    CHECK(expand("${UNSET:-$$literal}") == "$literal");
}

TEST_CASE("dollar escapes") {
    CHECK(expand("$$") == "$");
    CHECK(expand("$${SET}") == "${SET}");
    CHECK(expand("a$$b") == "a$b");
}

TEST_CASE("malformed templates are errors with the reason") {
    CHECK(failure("${SET") == "invalid interpolation in '${SET': '${' has no closing '}'");
    CHECK(failure("${}") ==
          "invalid interpolation in '${}': '${}' does not start with a variable name");
    CHECK(failure("${SET!x}") ==
          "invalid interpolation in '${SET!x}': '${SET!x}' uses an unknown operator (known: :- - "
          ":? ? :+ +)");
}

TEST_CASE("a $ that starts no variable stays as written") {
    CHECK(expand("cost: 5$") == "cost: 5$");
    CHECK(expand("$1") == "$1");
    CHECK(expand("echo $(date) $ ok") == "echo $(date) $ ok");
    CHECK(expand("$(date)-$SET") == "$(date)-value");
}

TEST_CASE("variables replaced by nothing are named") {
    std::vector<std::string> unset;
    auto result = interpolate("${MISSING}:$OTHER-${SET}${EMPTY}", variables, &unset);
    REQUIRE(std::holds_alternative<std::string>(result));
    CHECK(std::get<std::string>(result) == ":-value");
    CHECK(unset == std::vector<std::string>{"MISSING", "OTHER"});
}
