#include "llmpace/scenario/references.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "llmpace/core/error.hpp"

namespace llmpace::scenario {
namespace {

std::string read_secret_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(fmt::format("${{file:{}}}: cannot read the file", path));
  std::ostringstream content;
  content << file.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string resolve(std::string_view kind, std::string_view argument) {
  if (argument.empty()) {
    throw ConfigError(fmt::format("${{{}:}}: the reference names nothing", kind));
  }
  if (kind == "env") {
    const std::string name(argument);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      throw ConfigError(fmt::format("${{env:{}}}: the environment variable is not set", name));
    }
    return value;
  }
  if (kind == "file") return read_secret_file(std::string(argument));
  throw ConfigError(
      fmt::format("${{{}:...}}: unknown reference (use ${{env:NAME}} or ${{file:PATH}})", kind));
}

}  // namespace

std::string expand_references(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t dollar = text.find('$', at);
    if (dollar == std::string_view::npos) break;
    out.append(text.substr(at, dollar - at));
    if (text.substr(dollar, 3) == "$${") {  // an escaped, literal "${"
      out += "${";
      at = dollar + 3;
      continue;
    }
    if (text.substr(dollar, 2) != "${") {
      out += '$';
      at = dollar + 1;
      continue;
    }
    const std::size_t close = text.find('}', dollar);
    const std::size_t colon = text.find(':', dollar);
    if (close == std::string_view::npos || colon == std::string_view::npos || colon > close) {
      throw ConfigError(fmt::format(
          "malformed reference '{}' (use ${{env:NAME}} or ${{file:PATH}})", text.substr(dollar)));
    }
    out += resolve(text.substr(dollar + 2, colon - dollar - 2),
                   text.substr(colon + 1, close - colon - 1));
    at = close + 1;
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

bool is_secret_free(std::string_view text) {
  std::string rest;
  bool has_reference = false;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find("${", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    rest.append(text.substr(at, open - at));
    has_reference = true;
    at = close + 1;
  }
  rest.append(text.substr(std::min(at, text.size())));
  while (!rest.empty() && rest.back() == ' ') rest.pop_back();
  return has_reference && (rest.empty() || rest == "Bearer" || rest == "Basic" || rest == "Token");
}

}  // namespace llmpace::scenario
