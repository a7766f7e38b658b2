// Grouping: where a report's series live in the Pushgateway, and the labels every pushed series
// carries (docs/prometheus.md).
//
// The grouping key is job="llmpace", suite, variant and scenario, sent as the URL path
// /metrics/job/llmpace/suite/<s>/variant/<v>/scenario/<sc>. It names no run, pod or instance, so
// each night's push replaces the one before instead of piling up series. `llmpace benchmark` uses
// suite "adhoc", the model name as the variant, and the scenario file's stem (or "adhoc").
//
// Plain data; pure functions; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace llmpace::prom {

/// The job label of every pushed series.
inline constexpr std::string_view kJob = "llmpace";
/// Suite and scenario of `llmpace benchmark` runs (no suite; no scenario file).
inline constexpr std::string_view kAdhoc = "adhoc";

struct Grouping {
  std::string suite;
  std::string variant;
  std::string scenario;
};

/// What the pushed series say about the run besides its report.
struct RunInfo {
  std::string model;  ///< the `model` label of every series
  /// The variant's labels (e.g. quantization: int4), on llmpace_run_info only. Names are checked
  /// by check_info_labels.
  std::map<std::string, std::string> labels;
};

/// The grouping for `llmpace benchmark`: suite "adhoc", variant = `model`, scenario = the stem of
/// `scenario_path` ("chat" for "scenarios/chat.yaml"), or "adhoc" when it is empty.
Grouping adhoc_grouping(std::string_view model, std::string_view scenario_path);

/// The Pushgateway path of `grouping`: "/metrics/job/llmpace/suite/S/variant/V/scenario/SC".
/// A value that is empty or holds a character other than ASCII letters, digits and "._~-" (a
/// model name "org/model", say) is sent in the Pushgateway's base64 form, "variant@base64/<value
/// in base64url without padding>" ("=" for an empty value), so no value can break the path.
std::string grouping_path(const Grouping& grouping);

/// Throws ConfigError ("label 'x': ...", one line) when a name of `labels` is not a label name or
/// is one the pushed series already use (job, instance, suite, variant, scenario, model,
/// llmpace_version, benchmark, profile, quantile, outcome, kind, wall, le).
void check_info_labels(const std::map<std::string, std::string>& labels);

/// `text` in base64url (RFC 4648 section 5) without padding.
std::string base64url(std::string_view text);

}  // namespace llmpace::prom
