#include "options.hpp"

#include <charconv>
#include <sstream>

namespace berth::cli {

std::optional<std::string> ParsedOptions::value(const std::string& key) const {
    auto found = values_.find(key);
    if (found == values_.end() || found->second.empty())
        return std::nullopt;
    return found->second.back();
}

std::vector<std::string> ParsedOptions::values(const std::string& key) const {
    auto found = values_.find(key);
    return found == values_.end() ? std::vector<std::string>{} : found->second;
}

std::optional<int> ParsedOptions::number(const std::string& key) const {
    auto text = value(key);
    if (!text)
        return std::nullopt;
    int number = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (error != std::errc() || end != text->data() + text->size() || number < 0) {
        throw CommandLineError(command,
                               command + ": " + key + " takes a whole number, not '" + *text + "'");
    }
    return number;
}

std::map<std::string, int> ParsedOptions::counts(const std::string& key) const {
    std::map<std::string, int> result;
    for (const auto& text : values(key)) {
        auto equals = text.find('=');
        int count = -1;
        if (equals != std::string::npos && equals > 0) {
            const char* first = text.data() + equals + 1;
            const char* last = text.data() + text.size();
            auto [end, error] = std::from_chars(first, last, count);
            if (error != std::errc() || end != last || first == last)
                count = -1;
        }
        if (count < 0) {
            throw CommandLineError(command, command + ": " + key +
                                                " takes SERVICE=NUMBER (e.g. compute=3), not '" +
                                                text + "'");
        }
        result[text.substr(0, equals)] = count;
    }
    return result;
}

namespace {

/// "up: " before a message, nothing for the global options.
std::string prefix(const CommandSpec& spec) {
    return spec.name.empty() ? "" : spec.name + ": ";
}

const OptionSpec* find_option(const CommandSpec& spec, const std::string& name) {
    for (const auto& option : spec.options) {
        for (const auto& spelling : option.names) {
            if (spelling == name)
                return &option;
        }
    }
    return nullptr;
}

CommandLineError unknown(const CommandSpec& spec, const std::string& flag) {
    return CommandLineError(spec.name, prefix(spec) + "unknown option '" + flag + "'");
}

/// One short-option word: "-d", "-dq" (flags), "-n5" or "-n" "5" (a value).
void read_short(const CommandSpec& spec, const Arguments& arguments, std::size_t& index,
                ParsedOptions& parsed) {
    const std::string& word = arguments[index];
    for (std::size_t position = 1; position < word.size(); ++position) {
        std::string name = std::string("-") + word[position];
        if (name == "-h") {
            parsed.help = true;
            continue;
        }
        const OptionSpec* option = find_option(spec, name);
        if (option == nullptr)
            throw unknown(spec, position == 1 ? word : name);
        if (option->value_name.empty()) {
            parsed.add(option->names.back(), "");
            continue;
        }
        if (position + 1 < word.size()) {
            parsed.add(option->names.back(), word.substr(position + 1));
        } else if (index + 1 < arguments.size()) {
            parsed.add(option->names.back(), arguments[++index]);
        } else {
            throw CommandLineError(spec.name, prefix(spec) + "" + name + " needs a value (" +
                                                  option->value_name + ")");
        }
        return;
    }
}

void read_long(const CommandSpec& spec, const Arguments& arguments, std::size_t& index,
               ParsedOptions& parsed) {
    const std::string& word = arguments[index];
    auto equals = word.find('=');
    std::string name = word.substr(0, equals);
    if (name == "--help") {
        parsed.help = true;
        return;
    }
    const OptionSpec* option = find_option(spec, name);
    if (option == nullptr)
        throw unknown(spec, name);
    if (option->value_name.empty()) {
        if (equals != std::string::npos)
            throw CommandLineError(spec.name, prefix(spec) + "" + name + " takes no value");
        parsed.add(option->names.back(), "");
    } else if (equals != std::string::npos) {
        parsed.add(option->names.back(), word.substr(equals + 1));
    } else if (index + 1 < arguments.size()) {
        parsed.add(option->names.back(), arguments[++index]);
    } else {
        throw CommandLineError(
            spec.name, prefix(spec) + "" + name + " needs a value (" + option->value_name + ")");
    }
}

}  // namespace

ParsedOptions parse_options(const CommandSpec& spec, const Arguments& arguments) {
    ParsedOptions parsed;
    parsed.command = spec.name;
    bool options_ended = false;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string& word = arguments[index];
        if (options_ended || word.size() < 2 || word[0] != '-') {
            parsed.operands.push_back(word);
            options_ended = options_ended || spec.options_end_at_first_operand;
        } else if (word == "--") {
            options_ended = true;
        } else if (word[1] == '-') {
            read_long(spec, arguments, index, parsed);
        } else {
            read_short(spec, arguments, index, parsed);
        }
    }
    return parsed;
}

std::string usage_line(const CommandSpec& spec, const std::string& program) {
    return "usage: " + program + (spec.name.empty() ? "" : " " + spec.name) +
           (spec.options.empty() ? "" : " [OPTIONS]") +
           (spec.operands.empty() ? "" : " " + spec.operands) + "\n";
}

std::string help_text(const CommandSpec& spec, const std::string& program) {
    std::ostringstream text;
    text << usage_line(spec, program) << "\n" << spec.summary << "\n";
    if (!spec.options.empty())
        text << "\nOptions:\n";
    for (const auto& option : spec.options) {
        std::string names;
        for (const auto& spelling : option.names)
            names += (names.empty() ? "" : ", ") + spelling;
        if (!option.value_name.empty())
            names += " " + option.value_name;
        text << "  " << names;
        text << (names.size() < 30 ? std::string(30 - names.size(), ' ')
                                   : "\n" + std::string(32, ' '))
             << option.help << "\n";
    }
    text << "  -h, --help                    Show this help\n";
    if (!spec.notes.empty())
        text << "\n" << spec.notes;
    return text.str();
}

std::vector<OptionSpec> operator+(std::vector<OptionSpec> first,
                                  const std::vector<OptionSpec>& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

}  // namespace berth::cli
