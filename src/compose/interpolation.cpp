#include "interpolation.hpp"

namespace berth::compose::detail {

namespace {

bool starts_name(char character) {
    return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
           character == '_';
}

bool continues_name(char character) {
    return starts_name(character) || (character >= '0' && character <= '9');
}

class Expander {
  public:
    explicit Expander(const Variables& variables) : variables_(variables) {}

    /// The variables that were unset where the text used them without a default.
    const std::vector<std::string>& unset() const { return unset_; }

    // Expands text[position, end); throws InterpolationFailure.
    std::string expand(const std::string& text, int depth) {
        if (depth > 32) {
            throw InterpolationFailure{"interpolation nests deeper than 32 levels"};
        }
        std::string result;
        std::size_t position = 0;
        while (position < text.size()) {
            const char character = text[position];
            if (character != '$') {
                result += character;
                ++position;
                continue;
            }
            // A '$' that starts no variable ("$(date)", "5$") stays as it is.
            const char next = position + 1 < text.size() ? text[position + 1] : '\0';
            if (next == '$') {
                result += '$';
                position += 2;
            } else if (next == '{') {
                position = expand_braced(text, position, result, depth);
            } else if (starts_name(next)) {
                std::size_t end = position + 1;
                while (end < text.size() && continues_name(text[end])) {
                    ++end;
                }
                result += value_or_empty(text.substr(position + 1, end - position - 1));
                position = end;
            } else {
                result += '$';
                ++position;
            }
        }
        return result;
    }

  private:
    std::string value_or_empty(const std::string& name) {
        auto found = variables_.find(name);
        if (found == variables_.end()) {
            unset_.push_back(name);
            return std::string();
        }
        return found->second;
    }

    // position is at "${"; returns the position after the matching "}".
    std::size_t expand_braced(const std::string& text, std::size_t position, std::string& result,
                              int depth) {
        std::size_t close = position + 2;
        int open_braces = 1;
        while (close < text.size()) {
            if (text[close] == '$' && close + 1 < text.size() && text[close + 1] == '$') {
                close += 2;
                continue;
            }
            if (text[close] == '$' && close + 1 < text.size() && text[close + 1] == '{') {
                ++open_braces;
                close += 2;
                continue;
            }
            if (text[close] == '}' && --open_braces == 0) {
                break;
            }
            ++close;
        }
        if (close >= text.size()) {
            throw InterpolationFailure{"invalid interpolation in '" + text +
                                       "': '${' has no closing '}'"};
        }
        const std::string inside = text.substr(position + 2, close - position - 2);
        std::size_t name_end = 0;
        while (name_end < inside.size() && continues_name(inside[name_end])) {
            ++name_end;
        }
        const std::string name = inside.substr(0, name_end);
        if (name.empty() || !starts_name(name[0])) {
            throw InterpolationFailure{"invalid interpolation in '" + text + "': '${" + inside +
                                       "}' does not start with a variable name"};
        }
        auto found = variables_.find(name);
        const bool set = found != variables_.end();
        const bool set_and_not_empty = set && !found->second.empty();
        if (name_end == inside.size()) {
            result += value_or_empty(name);
            return close + 1;
        }
        std::string operation;
        if (inside[name_end] == ':' && name_end + 1 < inside.size()) {
            operation = inside.substr(name_end, 2);
        } else {
            operation = inside.substr(name_end, 1);
        }
        const std::string word = inside.substr(name_end + operation.size());
        if (operation == ":-" || operation == "-") {
            const bool use_value = operation == ":-" ? set_and_not_empty : set;
            result += use_value ? found->second : expand(word, depth + 1);
        } else if (operation == ":?" || operation == "?") {
            const bool present = operation == ":?" ? set_and_not_empty : set;
            if (!present) {
                const std::string reason = expand(word, depth + 1);
                throw InterpolationFailure{"required variable " + name + " is " +
                                           (set ? "empty" : "not set") +
                                           (reason.empty() ? "" : ": " + reason)};
            }
            result += found->second;
        } else if (operation == ":+" || operation == "+") {
            const bool present = operation == ":+" ? set_and_not_empty : set;
            if (present) {
                result += expand(word, depth + 1);
            }
        } else {
            throw InterpolationFailure{"invalid interpolation in '" + text + "': '${" + inside +
                                       "}' uses an unknown operator (known: :- - :? ? :+ +)"};
        }
        return close + 1;
    }

    const Variables& variables_;
    std::vector<std::string> unset_;
};

}  // namespace

std::variant<std::string, InterpolationFailure> interpolate(const std::string& text,
                                                            const Variables& variables,
                                                            std::vector<std::string>* unset) {
    if (text.find('$') == std::string::npos) {
        return text;
    }
    try {
        Expander expander(variables);
        std::string result = expander.expand(text, 0);
        if (unset) {
            *unset = expander.unset();
        }
        return result;
    } catch (const InterpolationFailure& failure) {
        return failure;
    }
}

void interpolate_tree(Node& node, const Variables& variables, const std::string& key_path,
                      Diagnostics& diagnostics) {
    switch (node.kind) {
        case Node::Kind::null:
            return;
        case Node::Kind::scalar: {
            auto expanded = interpolate(node.scalar, variables, &node.unset_variables);
            if (auto* failure = std::get_if<InterpolationFailure>(&expanded)) {
                diagnostics.add(node.location, key_path, failure->message);
            } else {
                node.scalar = std::get<std::string>(std::move(expanded));
            }
            return;
        }
        case Node::Kind::sequence:
            for (std::size_t index = 0; index < node.items.size(); ++index) {
                interpolate_tree(node.items[index], variables, item_path(key_path, index),
                                 diagnostics);
            }
            return;
        case Node::Kind::mapping:
            for (auto& entry : node.entries) {
                interpolate_tree(entry.value, variables, child_path(key_path, entry.key),
                                 diagnostics);
            }
            return;
    }
}

}  // namespace berth::compose::detail
