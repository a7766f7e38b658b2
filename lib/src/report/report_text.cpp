#include "llmpace/report/report_text.hpp"

#include <fmt/format.h>

#include <iterator>

#include "llmpace/report/number_format.hpp"

namespace llmpace::report {

std::string benchmark_name(const BenchmarkReport& benchmark) {
  if (!benchmark.rate) return std::string(to_string(benchmark.profile));
  return fmt::format("{} {}", to_string(benchmark.profile), format_rate(benchmark.rate));
}

std::string error_kinds_text(const metrics::BenchmarkMetrics& metrics) {
  std::string text;
  for (const auto& [kind, count] : metrics.errors_by_kind) {
    if (!text.empty()) text += ", ";
    fmt::format_to(std::back_inserter(text), "{} {}", kind, count);
  }
  return text;
}

std::optional<std::string> run_text(const nlohmann::json& run, std::string_view key) {
  if (!run.is_object()) return std::nullopt;
  const auto found = run.find(key);
  if (found == run.end() || found->is_null()) return std::nullopt;
  return found->is_string() ? found->get<std::string>() : found->dump();
}

}  // namespace llmpace::report
