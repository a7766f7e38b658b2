#include "llmpace/core/setting_error.hpp"

#include <algorithm>

namespace llmpace {
namespace {

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

std::string name_settings(std::string_view text, const SettingNamer& name) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('{', at);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('}', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view key = text.substr(open + 1, close - open - 1);
    out.append(text.substr(at, open - at));
    if (!key.empty() && std::all_of(key.begin(), key.end(), is_key_char)) {
      out += name(key);
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    at = close + 1;
  }
  out.append(text.substr(at));
  return out;
}

std::string SettingError::render(const SettingNamer& origin, const SettingNamer& mention) const {
  const std::string message = name_settings(message_, mention);
  const std::string where = origin(setting_);
  return where.empty() ? message : where + ": " + message;
}

std::string flag_name(std::string_view key) {
  if (key.empty()) return "";
  std::string flag = "--";
  for (char c : key) flag += c == '_' ? '-' : c;
  return flag;
}

}  // namespace llmpace

namespace llmpace {

SettingError as_setting_error(std::string key, const ConfigError& error) {
  if (const auto* setting_error = dynamic_cast<const SettingError*>(&error)) {
    if (!setting_error->setting().empty()) return *setting_error;
  }
  std::string_view message = error.what();
  const std::string flag = flag_name(key);
  if (message.starts_with(flag) && message.size() > flag.size() &&
      (message[flag.size()] == ':' || message[flag.size()] == ' ')) {
    message.remove_prefix(flag.size());
    if (message.starts_with(':')) message.remove_prefix(1);
    while (message.starts_with(' ')) message.remove_prefix(1);
  }
  return SettingError(std::move(key), std::string(message));
}

}  // namespace llmpace
