// SaturationDetector: says, while a benchmark runs, whether the server is over-saturated: the
// requests it holds and their time to first token keep growing, so the benchmark measures a queue
// that grows without bound rather than the server. The engine feeds it and asks it on a timer;
// with --stop-on-saturation a "yes" ends the benchmark (GuideLLM's over-saturation stop does the
// same with a different test).
//
// The rule (docs/diagnosis.md, "Live over-saturation detector"), checked at time now_s:
//   1. now_s >= min_seconds (a start-up transient is no trend);
//   2. samples are averaged per bin of bin_s seconds; the window is the whole bins inside
//      [max(now_s / 2, now_s - max_window_s), now_s): the later half of the benchmark so far, at
//      most max_window_s long;
//   3. the load (requests in flight, or waiting on the server) per bin is rising by the trend test
//      (trend.hpp): at least min_bins bins, a positive least-squares slope whose t statistic
//      reaches the one-sided 99 % critical value, and a fitted rise across the window of at least
//      max(min_relative_rise * mean, min_load_rise requests);
//   4. the TTFT per bin is rising by the same test (without an absolute minimum), or there are
//      fewer than min_bins bins with a TTFT (no first token arrives: nothing to contradict 3).
// Over-saturated when 1, 3 and 4 hold. Each check reads the state afresh; nothing latches. A
// closed loop's in-flight count cannot grow past its streams, so it never fires there.
//
// Sans-IO: time is an argument (seconds on the benchmark's clock). Memory is bounded by the
// window (one accumulator per bin). Not thread-safe: one owner feeds and asks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "llmpace/telemetry/trend.hpp"

namespace llmpace::telemetry {

struct SaturationSettings {
  double min_seconds = 30.0;
  double max_window_s = 120.0;
  double bin_s = 1.0;
  std::size_t min_bins = 5;
  double min_relative_rise = 0.10;
  double min_load_rise = 1.0;  ///< requests
};

struct SaturationCheck {
  bool over_saturated = false;
  std::optional<LinearTrend> load;  ///< over the window; x in seconds, y in requests
  std::optional<LinearTrend> ttft;  ///< y in milliseconds
  std::size_t load_bins = 0;        ///< bins of the window with a load sample
  std::size_t ttft_bins = 0;        ///< bins of the window with a TTFT
  std::string reason;               ///< one line: why it is or is not over-saturated
};

class SaturationDetector {
 public:
  explicit SaturationDetector(SaturationSettings settings = {});

  /// The requests in flight (client) or waiting (server) at t_s.
  void add_load(double t_s, double requests);
  /// A request's time to first token, when it became known at t_s.
  void add_ttft(double t_s, double ttft_ms);

  [[nodiscard]] SaturationCheck check(double now_s) const;
  [[nodiscard]] const SaturationSettings& settings() const { return settings_; }

 private:
  struct Accumulator {
    double sum = 0.0;
    std::size_t count = 0;
  };
  using Bins = std::map<std::int64_t, Accumulator>;

  void add(Bins& bins, double t_s, double value);

  SaturationSettings settings_;
  Bins load_bins_;
  Bins ttft_bins_;
  double latest_s_ = 0.0;
};

}  // namespace llmpace::telemetry
