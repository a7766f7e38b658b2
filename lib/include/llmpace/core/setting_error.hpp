// SettingError: a ConfigError about one named setting, raised by code that resolves settings
// without knowing where they came from (a flag, a scenario file, a suite).
//
// The setting is named by its key ("rate", "max_seconds"); the message says what is wrong with it
// and may mention other settings as "{key}" placeholders. The front end that knows the origin
// renders the line: the CLI as "--rate: expected ...", a scenario file as
// "chat.yaml:7: rate: expected ...". what() is the message with keys as they are, for callers
// that do not render.
//
// Pure; safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "llmpace/core/error.hpp"

namespace llmpace {

/// How a front end names a setting key: "--max-seconds" on the command line, "max_seconds" in a
/// file.
using SettingNamer = std::function<std::string(std::string_view key)>;

/// Replaces every "{key}" in `text` (key: lower case letters, digits and '_') by name(key); any
/// other brace is kept as it is.
std::string name_settings(std::string_view text, const SettingNamer& name);

class SettingError : public ConfigError {
 public:
  /// `setting` may be empty when no single setting is at fault (two settings that clash name
  /// both in the message).
  SettingError(std::string setting, std::string message)
      : ConfigError(setting.empty() ? message : setting + ": " + message),
        setting_(std::move(setting)),
        message_(std::move(message)) {}

  [[nodiscard]] const std::string& setting() const { return setting_; }
  /// The message without the setting's name, placeholders unrendered.
  [[nodiscard]] const std::string& message() const { return message_; }

  /// "ORIGIN: MESSAGE" with ORIGIN = origin(setting) (origin("") when there is no setting; an
  /// empty origin leaves just the message) and every placeholder rendered by `mention`.
  [[nodiscard]] std::string render(const SettingNamer& origin, const SettingNamer& mention) const;
  /// render(name, name).
  [[nodiscard]] std::string render(const SettingNamer& name) const { return render(name, name); }

  /// The same error about `setting` renamed (e.g. the simulator's "ttft_ms" reported as the
  /// benchmark's "sim_ttft_ms").
  [[nodiscard]] SettingError renamed(std::string setting) const {
    return SettingError(std::move(setting), message_);
  }

 private:
  std::string setting_;
  std::string message_;
};

/// The command line's names: "max_seconds" -> "--max-seconds"; "" (no setting) -> "".
std::string flag_name(std::string_view key);

}  // namespace llmpace

namespace llmpace {

/// `error` (from a parser that names its flag, "--data: bad key") as a SettingError about `key`:
/// a leading flag_name(key) and its ": " are dropped from the message.
SettingError as_setting_error(std::string key, const ConfigError& error);

/// parse(), with a ConfigError it throws turned into a SettingError about `key`.
template <typename Parse>
auto about_setting(const char* key, Parse&& parse) {
  try {
    return parse();
  } catch (const ConfigError& error) {
    throw as_setting_error(key, error);
  }
}

}  // namespace llmpace
