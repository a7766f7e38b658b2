// Exposition: one scrape of a Prometheus endpoint as parsed text — every sample with its labels,
// the families its TYPE/HELP lines declared, and the lines that were skipped and why.
//
// parse_exposition() reads the Prometheus text format 0.0.4 and the OpenMetrics 1.0 text that
// servers actually send (vLLM through prometheus_client, llama.cpp, dcgm-exporter, Go clients):
// TYPE/HELP/UNIT lines, escaped label values, counters with and without `_total`, gauges,
// histograms (`_bucket{le}`, `_sum`, `_count`), summaries, NaN/+Inf/-Inf, optional timestamps;
// exemplars (` # {...} v`) are read and dropped. It is lenient where servers are sloppy and strict
// where a wrong number would result: a line that cannot be read as a whole is skipped and listed
// with its line number, never half-used. A body that is not Prometheus text at all (HTML, JSON,
// binary) is an error. It throws nothing but ExpositionError (and std::bad_alloc), and never
// crashes. docs/telemetry.md, "Parsing /metrics", lists what is accepted, skipped and refused.
//
// Timestamps: a body with a "# EOF" line is OpenMetrics, whose timestamps are seconds (converted
// to ms); otherwise they are the 0.0.4 format's integer milliseconds.
//
// Pure: no I/O, no global state; safe from any thread. An Exposition is plain data that owns its
// strings (nothing points into the body).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::telemetry {

enum class MetricType {
  unknown,
  counter,
  gauge,
  histogram,
  gaugehistogram,
  summary,
  info,
  stateset
};

/// "counter", "gauge", ..., "unknown" (as written on a TYPE line).
std::string_view to_string(MetricType type);

struct Label {
  std::string name;
  std::string value;  ///< unescaped (\\, \" and \n decoded)

  friend bool operator==(const Label&, const Label&) = default;
};

struct Sample {
  std::string name;  ///< the sample's full name, e.g. "vllm:e2e_request_latency_seconds_bucket"
  std::vector<Label> labels;                 ///< in the order written
  double value = 0.0;                        ///< NaN, +Inf and -Inf are kept as such
  std::optional<std::int64_t> timestamp_ms;  ///< OpenMetrics seconds are converted to ms

  /// The value of label `label_name`, or nullopt when the sample has no such label.
  [[nodiscard]] std::optional<std::string_view> label(std::string_view label_name) const;
};

struct Family {
  std::string name;  ///< as on the TYPE/HELP line (an OpenMetrics counter family has no "_total")
  MetricType type = MetricType::unknown;
  std::string help;  ///< unescaped; empty when no HELP line
  std::string unit;  ///< OpenMetrics UNIT line; empty when none
};

struct SkippedLine {
  std::size_t line_number = 0;  ///< 1-based
  std::string reason;           ///< one line, e.g. "value \"abc\" is not a number"
};

struct Exposition {
  std::vector<Family> families;  ///< in order of first mention
  std::vector<Sample> samples;   ///< in order written
  std::vector<SkippedLine> skipped;
  bool openmetrics = false;  ///< a line is "# EOF" (lines after it are skipped)

  /// The family a sample belongs to: its own name, or the name without a `_bucket`, `_sum`,
  /// `_count`, `_total`, `_created`, `_gsum`, `_gcount` or `_info` suffix when that family was
  /// declared with a matching type. nullptr when no family was declared for it.
  [[nodiscard]] const Family* family_of(const Sample& sample) const;
};

/// The body is not Prometheus text (the message says what it looks like instead, one line).
class ExpositionError : public std::runtime_error {
 public:
  explicit ExpositionError(const std::string& message) : std::runtime_error(message) {}
};

/// Reads a sample value, or a numeric label value such as `le` or `quantile`, as Prometheus does
/// (Go's strconv.ParseFloat without its hex and `_` forms): "1", "-2.5", "1e3", ".5", "+Inf",
/// "-inf", "Infinity", "NaN" (any letter case). nullopt for anything else and for overflow.
std::optional<double> parse_sample_value(std::string_view text);

/// Parses one scrape's body. Throws ExpositionError when the body is not Prometheus text: it starts
/// with '<' (HTML, XML) or is gzip-compressed, holds a NUL byte in a line that does not start with
/// '#', or no sample or TYPE/HELP/UNIT line of it could be read while some line could not (JSON,
/// binary data, a plain-text error page). An empty body, or one of comments only, is a valid, empty
/// exposition.
Exposition parse_exposition(std::string_view body);

}  // namespace llmpace::telemetry
