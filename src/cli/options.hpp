#pragma once
// Data-driven command lines: each command is a table of its options, one
// parser reads every command line against its table, and `COMMAND --help` is
// printed from the same table, so the help can never disagree with what the
// parser accepts.

#include <berth/errors.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::cli {

using Arguments = std::vector<std::string>;

struct OptionSpec {
    /// Every spelling, short ones first: {"-d", "--detach"}. The last one is
    /// the key the command reads the option by.
    std::vector<std::string> names;
    /// Empty for a flag; else what the help calls the value ("SECONDS").
    std::string value_name;
    std::string help;
};

struct CommandSpec {
    std::string name;      ///< "up", or "compose up" for a sub-command
    std::string operands;  ///< "[SERVICE...]", for the usage line
    std::string summary;   ///< one line: what the command does
    std::vector<OptionSpec> options;
    /// exec and run: the first operand ends the options; what follows is
    /// the command to run, dashes and all.
    bool options_end_at_first_operand = false;
    /// Lines printed after the options (notes, refused flags and why).
    std::string notes;
};

/// A command line that does not fit its command's table. main prints it with
/// the command's usage and exits 2, as docker compose does.
class CommandLineError : public UsageError {
  public:
    CommandLineError(std::string command, const std::string& message)
        : UsageError(message), command_(std::move(command)) {}
    const std::string& command() const { return command_; }

  private:
    std::string command_;
};

class ParsedOptions {
  public:
    bool has(const std::string& key) const { return values_.count(key) > 0; }
    /// The last value given for the option, if any.
    std::optional<std::string> value(const std::string& key) const;
    /// Every value, in order (repeatable options: -f, -e, --profile).
    std::vector<std::string> values(const std::string& key) const;
    /// The option's value as a whole number; a value that is not one is a
    /// CommandLineError naming the option and the value.
    std::optional<int> number(const std::string& key) const;
    /// Every NAME=NUMBER value of a repeatable option (up --scale
    /// SERVICE=N), by name; a value of another form is a CommandLineError.
    std::map<std::string, int> counts(const std::string& key) const;

    bool help = false;
    Arguments operands;
    std::string command;  ///< for error messages

    void add(const std::string& key, std::string value) {
        values_[key].push_back(std::move(value));
    }

  private:
    std::map<std::string, std::vector<std::string>> values_;
};

/// Reads arguments against the table: "--name value", "--name=value",
/// "-n value", "-nVALUE" for short options that take a value, and runs of
/// short flags ("-dq"). "--" ends the options. -h and --help set help.
/// Unknown options are a CommandLineError naming the command and the flag.
ParsedOptions parse_options(const CommandSpec& spec, const Arguments& arguments);

/// The usage, summary, options and notes, as `COMMAND --help` prints them.
std::string help_text(const CommandSpec& spec, const std::string& program);

/// The one usage line, for error messages.
std::string usage_line(const CommandSpec& spec, const std::string& program);

/// Options shared by a group of commands, appended to their tables.
std::vector<OptionSpec> operator+(std::vector<OptionSpec> first,
                                  const std::vector<OptionSpec>& second);

}  // namespace berth::cli
