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

std::string SettingError::render(const SettingNamer& name) const {
  const std::string message = name_settings(message_, name);
  return setting_.empty() ? message : name(setting_) + ": " + message;
}

std::string flag_name(std::string_view key) {
  std::string flag = "--";
  for (char c : key) flag += c == '_' ? '-' : c;
  return flag;
}

}  // namespace llmpace
