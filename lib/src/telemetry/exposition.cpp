// The Prometheus text-format parser (exposition.hpp).
//
// Hand-written because Debian has no C++ library that *reads* the Prometheus text format:
// prometheus-cpp (libprometheus-cpp-dev) only writes it, and the readers that exist are Go
// (prometheus/common expfmt, prometheus/prometheus model/textparse) or Python (prometheus_client).
// It reads what Prometheus's own lexers read (promlex.l for 0.0.4, openmetricslex.l for
// OpenMetrics) and is more lenient where servers differ; docs/telemetry.md ("Parsing /metrics")
// lists what is accepted, skipped and refused, and tests/unit/telemetry/exposition_test.cpp pins
// each case.
//
// One pass over the body: lines are found with memchr and each is read with an index, without
// regexes or streams. Labels are collected as views into the line; a Sample is built only once the
// whole line has been read, so a line is used whole or skipped whole.
#include "llmpace/telemetry/exposition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_map>
#include <utility>

#include "exposition_body.hpp"
#include "exposition_lexing.hpp"
#include "family_lookup.hpp"

namespace llmpace::telemetry {
namespace {

using lexing::has_class;
using lexing::quote_for_message;
using lexing::Quoted;
using lexing::scan_quoted;
using lexing::skip_blanks;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::optional<MetricType> metric_type_from(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, MetricType>, 9> kTypes{{
      {"counter", MetricType::counter},
      {"gauge", MetricType::gauge},
      {"histogram", MetricType::histogram},
      {"gaugehistogram", MetricType::gaugehistogram},
      {"summary", MetricType::summary},
      {"info", MetricType::info},
      {"stateset", MetricType::stateset},
      {"unknown", MetricType::unknown},
      {"untyped", MetricType::unknown},  // the 0.0.4 spelling
  }};
  for (const auto& [name, type] : kTypes) {
    if (name == word) return type;
  }
  return std::nullopt;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

/// A label as read from the line, decoded only when the sample is kept.
struct LabelView {
  Quoted name;  // an unquoted name is a Quoted without escapes
  Quoted value;
};

/// Why the line in hand cannot be read; thrown inside the parser only and caught per line.
struct LineError {
  std::string reason;
};

class Parser {
 public:
  Parser(bool openmetrics, std::size_t line_estimate) : openmetrics_(openmetrics) {
    out_.openmetrics = openmetrics;
    out_.samples.reserve(line_estimate);
  }

  /// Reads one line (without its line end); `number` is 1-based.
  void read_line(std::string_view line, std::size_t number);

  [[nodiscard]] bool read_anything() const { return read_anything_; }
  Exposition take() { return std::move(out_); }
  [[nodiscard]] const Exposition& result() const { return out_; }

 private:
  void read_comment(std::string_view line);
  void read_metadata(std::string_view keyword, std::string_view line, std::size_t at);
  void read_sample(std::string_view line);
  /// Reads a label set from just after its '{' to just after its '}'. `name` receives a quoted
  /// metric name written inside the braces (Prometheus 3's form), when it is not nullptr.
  void read_label_set(std::string_view line, std::size_t& at, std::vector<LabelView>& labels,
                      std::optional<Quoted>* name);
  void read_exemplar(std::string_view line, std::size_t& at);
  std::int64_t read_timestamp(std::string_view token) const;
  void check_family_rules(std::string_view name, const std::vector<LabelView>& labels) const;
  void check_unique_label_names(const std::vector<LabelView>& labels) const;

  std::size_t family_index(std::string name);
  [[nodiscard]] const Family* find_family(std::string_view name) const;

  bool openmetrics_ = false;
  bool after_eof_ = false;
  bool read_anything_ = false;  // a sample or a TYPE/HELP/UNIT line was read
  Exposition out_;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> family_indexes_;
  std::vector<bool> type_declared_;  // by family index
  std::vector<LabelView> labels_;    // scratch, reused for every line
  std::vector<LabelView> exemplar_labels_;
};

[[noreturn]] void fail(std::string reason) { throw LineError{std::move(reason)}; }

void Parser::read_line(std::string_view line, std::size_t number) {
  // Line ends are "\n" or "\r\n"; trailing and leading blanks are allowed (servers write them).
  while (!line.empty() && (line.back() == '\r' || has_class(line.back(), lexing::kBlank))) {
    line.remove_suffix(1);
  }
  line.remove_prefix(std::min(skip_blanks(line, 0), line.size()));
  if (line.empty()) return;
  try {
    if (after_eof_) fail("text after \"# EOF\"");
    if (line[0] == '#') {
      read_comment(line);
    } else {
      read_sample(line);
      read_anything_ = true;
    }
  } catch (LineError& error) {
    out_.skipped.push_back(SkippedLine{number, std::move(error.reason)});
  }
}

void Parser::read_comment(std::string_view line) {
  // "#" then blanks then a keyword: HELP, TYPE, UNIT or EOF. Anything else is a comment.
  if (line == "# EOF") {
    after_eof_ = true;
    return;
  }
  std::size_t at = 1;
  if (at == line.size() || !has_class(line[at], lexing::kBlank)) return;
  at = skip_blanks(line, at);
  std::size_t end = at;
  while (end < line.size() && !has_class(line[end], lexing::kBlank)) ++end;
  const std::string_view keyword = line.substr(at, end - at);
  if (keyword == "HELP" || keyword == "TYPE" || keyword == "UNIT") {
    read_metadata(keyword, line, end);
    read_anything_ = true;
  }
}

void Parser::read_metadata(std::string_view keyword, std::string_view line, std::size_t at) {
  at = skip_blanks(line, at);
  if (at == line.size()) fail(fmt::format("{} line without a metric name", keyword));
  std::string name;
  if (line[at] == '"') {
    const std::optional<Quoted> quoted = scan_quoted(line, at);
    if (!quoted) fail(fmt::format("metric name in {} line not closed", keyword));
    if (!lexing::is_valid_utf8(quoted->raw)) fail("metric name is not valid UTF-8");
    name = lexing::unescaped(*quoted);
    if (name.empty()) fail(fmt::format("empty metric name in {} line", keyword));
  } else {
    const std::size_t start = at;
    if (has_class(line[at], lexing::kMetricStart))
      at = lexing::scan_run(line, at, lexing::kMetricChar);
    if (at == start) {
      fail(fmt::format("metric name expected in {} line, found {}", keyword,
                       quote_for_message(line.substr(start))));
    }
    name = line.substr(start, at - start);
  }
  if (at < line.size() && !has_class(line[at], lexing::kBlank)) {
    fail(fmt::format("invalid character {} after the metric name in {} line",
                     quote_for_message(line.substr(at, 1)), keyword));
  }
  const std::string_view text = line.substr(skip_blanks(line, at));
  if (!lexing::is_valid_utf8(text)) fail(fmt::format("{} text is not valid UTF-8", keyword));

  if (keyword == "TYPE") {
    if (text.empty()) fail(fmt::format("TYPE line of {} without a type", quote_for_message(name)));
    const std::optional<MetricType> type = metric_type_from(text);
    if (!type) fail(fmt::format("unknown metric type {}", quote_for_message(text)));
    const std::size_t index = family_index(std::move(name));
    Family& family = out_.families[index];
    if (type_declared_[index] && family.type != *type) {
      fail(fmt::format("TYPE of {} repeated as {} (first {})", quote_for_message(family.name),
                       to_string(*type), to_string(family.type)));
    }
    family.type = *type;
    type_declared_[index] = true;
    return;
  }
  std::string value;
  if (keyword == "HELP") {
    lexing::append_unescaped(value, text);
  } else {
    value = text;
  }
  const std::size_t index = family_index(std::move(name));
  Family& family = out_.families[index];
  std::string& field = keyword == "HELP" ? family.help : family.unit;
  if (!field.empty() && field != value) {
    fail(fmt::format("{} of {} repeated with a different text", keyword,
                     quote_for_message(family.name)));
  }
  field = std::move(value);
}

void Parser::read_sample(std::string_view line) {
  std::size_t at = 0;
  std::optional<Quoted> name;
  if (has_class(line[0], lexing::kMetricStart)) {
    at = lexing::scan_run(line, 0, lexing::kMetricChar);
    name = Quoted{line.substr(0, at), false};
  } else if (line[0] != '{') {
    fail(fmt::format("metric name expected, found {}", quote_for_message(line)));
  }

  labels_.clear();
  const std::size_t brace = skip_blanks(line, at);
  if (brace < line.size() && line[brace] == '{') {
    at = brace + 1;
    std::optional<Quoted> name_in_braces;
    read_label_set(line, at, labels_, &name_in_braces);
    if (name_in_braces) {
      if (name) fail("metric name given both before and inside the braces");
      name = name_in_braces;
    }
    if (!name) fail("metric name missing (the braces name none)");
  } else if (at < line.size() && !has_class(line[at], lexing::kBlank)) {
    fail(fmt::format("invalid character {} in metric name", quote_for_message(line.substr(at, 1))));
  }
  check_unique_label_names(labels_);

  at = skip_blanks(line, at);
  if (at == line.size()) fail("value missing");
  std::size_t end = at;
  while (end < line.size() && !has_class(line[end], lexing::kBlank)) ++end;
  const std::string_view value_text = line.substr(at, end - at);
  const std::optional<double> value = lexing::parse_float(value_text);
  if (!value) fail(fmt::format("value {} is not a number", quote_for_message(value_text)));
  at = skip_blanks(line, end);

  std::optional<std::int64_t> timestamp_ms;
  if (at < line.size() && line[at] != '#') {
    end = at;
    while (end < line.size() && !has_class(line[end], lexing::kBlank)) ++end;
    timestamp_ms = read_timestamp(line.substr(at, end - at));
    at = skip_blanks(line, end);
  }
  if (at < line.size()) read_exemplar(line, at);  // line[at] == '#'

  std::string sample_name = lexing::unescaped(*name);
  check_family_rules(sample_name, labels_);

  Sample& sample = out_.samples.emplace_back();
  sample.name = std::move(sample_name);
  sample.labels.reserve(labels_.size());
  for (const LabelView& label : labels_) {
    sample.labels.push_back(Label{lexing::unescaped(label.name), lexing::unescaped(label.value)});
  }
  sample.value = *value;
  sample.timestamp_ms = timestamp_ms;
}

void Parser::read_label_set(std::string_view line, std::size_t& at, std::vector<LabelView>& labels,
                            std::optional<Quoted>* name) {
  while (true) {
    at = skip_blanks(line, at);
    if (at == line.size()) fail("label set not closed");
    if (line[at] == '}') {
      ++at;
      return;
    }
    Quoted label_name;
    if (line[at] == '"') {
      const std::optional<Quoted> quoted = scan_quoted(line, at);
      if (!quoted) fail("quoted label name not closed");
      if (!lexing::is_valid_utf8(quoted->raw)) fail("quoted name is not valid UTF-8");
      const std::size_t next = skip_blanks(line, at);
      if (name != nullptr && next < line.size() && (line[next] == ',' || line[next] == '}')) {
        // {"metric.name", label="v"}: a quoted string alone is the metric name.
        if (*name) fail("two metric names inside the braces");
        if (quoted->raw.empty()) fail("empty metric name");
        *name = quoted;
        at = line[next] == ',' ? next + 1 : next;
        continue;
      }
      if (quoted->raw.empty()) fail("empty label name");
      label_name = *quoted;
    } else if (has_class(line[at], lexing::kLabelStart)) {
      const std::size_t start = at;
      at = lexing::scan_run(line, at, lexing::kLabelChar);
      label_name = Quoted{line.substr(start, at - start), false};
    } else {
      fail(fmt::format("label name expected, found {}", quote_for_message(line.substr(at))));
    }
    // Quoted for a message only when one is needed: this loop is the hot path.
    const auto shown = [&] { return quote_for_message(label_name.raw); };
    at = skip_blanks(line, at);
    if (at == line.size() || line[at] != '=')
      fail(fmt::format("'=' expected after label {}", shown()));
    at = skip_blanks(line, at + 1);
    if (at == line.size() || line[at] != '"') {
      fail(fmt::format("value of label {} is not in double quotes", shown()));
    }
    const std::optional<Quoted> value = scan_quoted(line, at);
    if (!value) fail(fmt::format("value of label {} not closed", shown()));
    if (!lexing::is_valid_utf8(value->raw)) {
      fail(fmt::format("value of label {} is not valid UTF-8", shown()));
    }
    labels.push_back(LabelView{label_name, *value});
    at = skip_blanks(line, at);
    // A comma may end the set ({a="b",}); Prometheus's 0.0.4 parser also takes labels with no
    // comma between them, and so do we.
    if (at == line.size()) fail("label set not closed");
    if (line[at] == ',') {
      ++at;
    } else if (line[at] != '}' && line[at] != '"' && !has_class(line[at], lexing::kLabelStart)) {
      fail(fmt::format("',' or '}}' expected after the value of label {}, found {}", shown(),
                       quote_for_message(line.substr(at))));
    }
  }
}

void Parser::read_exemplar(std::string_view line, std::size_t& at) {
  // OpenMetrics: " # {labels} value [timestamp]". Read whole, then dropped.
  if (line[at] != '#')
    fail(fmt::format("unexpected {} after the value", quote_for_message(line.substr(at))));
  const std::size_t brace = skip_blanks(line, at + 1);
  if (brace == at + 1 || brace == line.size() || line[brace] != '{') {
    fail(fmt::format("unexpected {} after the value (not an exemplar)",
                     quote_for_message(line.substr(at))));
  }
  at = brace + 1;
  exemplar_labels_.clear();
  read_label_set(line, at, exemplar_labels_, nullptr);
  const std::size_t value_at = skip_blanks(line, at);
  if (value_at == at || value_at == line.size()) fail("exemplar without a value");
  std::size_t end = value_at;
  while (end < line.size() && !has_class(line[end], lexing::kBlank)) ++end;
  if (!lexing::parse_float(line.substr(value_at, end - value_at))) {
    fail(fmt::format("exemplar value {} is not a number",
                     quote_for_message(line.substr(value_at, end - value_at))));
  }
  at = skip_blanks(line, end);
  if (at == line.size()) return;
  end = at;
  while (end < line.size() && !has_class(line[end], lexing::kBlank)) ++end;
  const std::optional<double> timestamp = lexing::parse_float(line.substr(at, end - at));
  if (!timestamp || !std::isfinite(*timestamp)) {
    fail(fmt::format("exemplar timestamp {} is not a number",
                     quote_for_message(line.substr(at, end - at))));
  }
  at = skip_blanks(line, end);
  if (at < line.size()) {
    fail(fmt::format("unexpected {} after the exemplar", quote_for_message(line.substr(at))));
  }
}

std::int64_t Parser::read_timestamp(std::string_view token) const {
  if (!openmetrics_) {
    // 0.0.4: integer milliseconds.
    std::int64_t ms = 0;
    const char* end = token.data() + token.size();
    const auto [stop, error] = std::from_chars(token.data(), end, ms);
    if (error == std::errc::result_out_of_range) {
      fail(fmt::format("timestamp {} out of range", quote_for_message(token)));
    }
    if (error != std::errc() || stop != end) {
      fail(fmt::format("timestamp {} is not an integer (milliseconds)", quote_for_message(token)));
    }
    return ms;
  }
  // OpenMetrics: seconds, possibly with a fraction.
  const std::optional<double> seconds = lexing::parse_float(token);
  if (!seconds || !std::isfinite(*seconds)) {
    fail(fmt::format("timestamp {} is not a number of seconds", quote_for_message(token)));
  }
  const double ms = std::round(*seconds * 1000.0);
  // ±2^63 exactly representable; anything at or beyond it does not fit an int64.
  if (!(std::fabs(ms) < 9223372036854775808.0)) {
    fail(fmt::format("timestamp {} out of range", quote_for_message(token)));
  }
  return static_cast<std::int64_t>(ms);
}

void Parser::check_unique_label_names(const std::vector<LabelView>& labels) const {
  const bool any_escaped = std::any_of(labels.begin(), labels.end(),
                                       [](const LabelView& label) { return label.name.escaped; });
  for (std::size_t i = 1; i < labels.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const bool same = any_escaped
                            ? lexing::unescaped(labels[i].name) == lexing::unescaped(labels[j].name)
                            : labels[i].name.raw == labels[j].name.raw;
      if (same) fail(fmt::format("label {} repeated", quote_for_message(labels[i].name.raw)));
    }
  }
}

void Parser::check_family_rules(std::string_view name, const std::vector<LabelView>& labels) const {
  // The two type rules a reader of the numbers relies on: a histogram bucket says its bound, and a
  // summary quantile says its quantile. Other OpenMetrics rules (counter values, bucket order,
  // grouping) are left to the reader of the numbers, as Prometheus leaves them.
  const Family* family =
      detail::family_for(name, [this](std::string_view n) { return find_family(n); });
  if (family == nullptr) return;
  const auto label_number = [&](std::string_view label_name) -> std::optional<double> {
    for (const LabelView& label : labels) {
      if (label.name.raw == label_name && !label.name.escaped) {
        return lexing::parse_float(label.value.escaped ? lexing::unescaped(label.value)
                                                       : label.value.raw);
      }
    }
    return std::nullopt;
  };
  const bool histogram =
      family->type == MetricType::histogram || family->type == MetricType::gaugehistogram;
  if (histogram && name.size() == family->name.size() + 7 && name.ends_with("_bucket")) {
    const std::optional<double> bound = label_number("le");
    if (!bound || std::isnan(*bound)) fail("histogram bucket without a numeric \"le\" label");
  }
  if (family->type == MetricType::summary && name == family->name) {
    const std::optional<double> quantile = label_number("quantile");
    if (!quantile || !(*quantile >= 0.0 && *quantile <= 1.0)) {
      fail("summary quantile without a \"quantile\" label from 0 to 1");
    }
  }
}

std::size_t Parser::family_index(std::string name) {
  if (const auto found = family_indexes_.find(name); found != family_indexes_.end()) {
    return found->second;
  }
  const std::size_t index = out_.families.size();
  out_.families.push_back(Family{name, MetricType::unknown, {}, {}});
  type_declared_.push_back(false);
  family_indexes_.emplace(std::move(name), index);
  return index;
}

const Family* Parser::find_family(std::string_view name) const {
  const auto found = family_indexes_.find(name);
  return found == family_indexes_.end() ? nullptr : &out_.families[found->second];
}

}  // namespace

Exposition parse_exposition(std::string_view body) {
  if (body.starts_with(kBom)) body.remove_prefix(kBom.size());
  detail::refuse_obvious_non_text(body);
  const std::size_t newlines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
  // Room for a sample per line, but not for more lines than a short sample line could fill.
  Parser parser(detail::has_eof_line(body), std::min(newlines + 1, body.size() / 16 + 1));
  std::size_t number = 1;
  for (std::size_t from = 0; from < body.size(); ++number) {
    const void* hit = std::memchr(body.data() + from, '\n', body.size() - from);
    const std::size_t end =
        hit == nullptr ? body.size() : static_cast<const char*>(hit) - body.data();
    parser.read_line(body.substr(from, end - from), number);
    from = end + 1;
  }
  if (!parser.read_anything() && !parser.result().skipped.empty()) {
    throw ExpositionError(detail::describe_refused(body, parser.result().skipped.front()));
  }
  return parser.take();
}

}  // namespace llmpace::telemetry
