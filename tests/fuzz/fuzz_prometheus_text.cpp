// Fuzz target: the Prometheus text parser (telemetry/exposition.hpp). Any input either is refused
// with a one-line ExpositionError or gives an Exposition whose names are non-empty, whose label
// names are unique per sample, whose strings are valid UTF-8 (the JSON report writes them), and
// whose skipped lines are in range, increasing, with a one-line reason. The exposition is then
// written back as 0.0.4 text and read again: the same samples and families, nothing skipped.
#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/telemetry/exposition.hpp"

namespace {

using llmpace::telemetry::Exposition;
using llmpace::telemetry::Family;
using llmpace::telemetry::Sample;

/// Whether `text` survives the JSON writer (which throws on invalid UTF-8).
bool json_safe(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

bool plain_name(std::string_view name, bool metric) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool ok = alpha || (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string quote_text(std::string_view text) { return "\"" + escaped(text) + "\""; }

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

/// The exposition as 0.0.4 text: samples first, then the families (so that no type rule the
/// original did not apply to a sample applies on the second reading).
std::string write(const Exposition& exposition) {
  std::string out;
  for (const Sample& sample : exposition.samples) {
    const bool plain = plain_name(sample.name, true);
    if (plain) out += sample.name;
    out += '{';
    if (!plain) out += quote_text(sample.name) + ",";
    for (const auto& label : sample.labels) {
      out += plain_name(label.name, false) ? label.name : quote_text(label.name);
      out += "=" + quote_text(label.value) + ",";
    }
    out += "} " + number(sample.value);
    if (sample.timestamp_ms) out += fmt::format(" {}", *sample.timestamp_ms);
    out += '\n';
  }
  for (const Family& family : exposition.families) {
    const std::string name = plain_name(family.name, true) ? family.name : quote_text(family.name);
    out += fmt::format("# TYPE {} {}\n", name, llmpace::telemetry::to_string(family.type));
    if (!family.help.empty()) out += fmt::format("# HELP {} {}\n", name, escaped(family.help));
    if (!family.unit.empty()) out += fmt::format("# UNIT {} {}\n", name, family.unit);
  }
  return out;
}

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Exposition exposition;
  try {
    exposition = llmpace::telemetry::parse_exposition(body);
  } catch (const llmpace::telemetry::ExpositionError& error) {
    const std::string message = error.what();
    FUZZ_CHECK(!message.empty());
    FUZZ_CHECK(message.find('\n') == std::string::npos);
    FUZZ_CHECK(json_safe(message));
    return 0;
  }

  std::size_t lines = 1;
  for (const char c : body) lines += c == '\n' ? 1 : 0;
  std::size_t previous = 0;
  for (const auto& skipped : exposition.skipped) {
    FUZZ_CHECK(skipped.line_number > previous);
    FUZZ_CHECK(skipped.line_number <= lines);
    FUZZ_CHECK(!skipped.reason.empty());
    FUZZ_CHECK(skipped.reason.find('\n') == std::string::npos);
    FUZZ_CHECK(json_safe(skipped.reason));
    previous = skipped.line_number;
  }
  for (const Sample& sample : exposition.samples) {
    FUZZ_CHECK(!sample.name.empty());
    FUZZ_CHECK(json_safe(sample.name));
    std::set<std::string> names;
    for (const auto& label : sample.labels) {
      FUZZ_CHECK(!label.name.empty());
      FUZZ_CHECK(names.insert(label.name).second);
      FUZZ_CHECK(json_safe(label.name));
      FUZZ_CHECK(json_safe(label.value));
      FUZZ_CHECK(sample.label(label.name).has_value());
    }
    if (const Family* family = exposition.family_of(sample)) {
      FUZZ_CHECK(sample.name.starts_with(family->name));
    }
  }
  std::set<std::string> family_names;
  for (const Family& family : exposition.families) {
    FUZZ_CHECK(!family.name.empty());
    FUZZ_CHECK(family_names.insert(family.name).second);
    FUZZ_CHECK(json_safe(family.name));
    FUZZ_CHECK(json_safe(family.help));
    FUZZ_CHECK(json_safe(family.unit));
  }

  // Written back and read again: the same samples and families.
  if (exposition.samples.empty() && exposition.families.empty()) return 0;
  const Exposition again = llmpace::telemetry::parse_exposition(write(exposition));
  FUZZ_CHECK(again.skipped.empty());
  FUZZ_CHECK(again.samples.size() == exposition.samples.size());
  for (std::size_t i = 0; i < again.samples.size(); ++i) {
    const Sample& a = exposition.samples[i];
    const Sample& b = again.samples[i];
    FUZZ_CHECK(a.name == b.name);
    FUZZ_CHECK(a.labels == b.labels);
    FUZZ_CHECK(same_value(a.value, b.value));
    FUZZ_CHECK(a.timestamp_ms == b.timestamp_ms);
  }
  FUZZ_CHECK(again.families.size() == exposition.families.size());
  for (std::size_t i = 0; i < again.families.size(); ++i) {
    const Family& a = exposition.families[i];
    const Family& b = again.families[i];
    FUZZ_CHECK(a.name == b.name);
    FUZZ_CHECK(a.type == b.type);
    FUZZ_CHECK(a.help == b.help);
    FUZZ_CHECK(a.unit == b.unit);
  }
  return 0;
}
