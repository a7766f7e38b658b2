#include "llmpace/telemetry/saturation_detector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "diagnosis_text.hpp"

namespace llmpace::telemetry {
namespace {

using detail::num;
using detail::signed_num;

struct Series {
  std::vector<double> xs;
  std::vector<double> ys;
};

std::string trend_text(std::string_view what, std::string_view unit, const LinearTrend& trend) {
  return fmt::format("{} slope {}{}/s (t {} {} {}, rise {} {} {})", what, signed_num(trend.slope),
                     unit, num(trend.t_stat), trend.significant ? ">=" : "<", num(trend.t_critical),
                     num(trend.rise), trend.rise >= trend.min_rise ? ">=" : "<",
                     num(trend.min_rise));
}

}  // namespace

SaturationDetector::SaturationDetector(SaturationSettings settings) : settings_(settings) {
  if (!(settings_.bin_s > 0)) settings_.bin_s = 1.0;
}

void SaturationDetector::add(Bins& bins, double t_s, double value) {
  if (!std::isfinite(t_s) || !std::isfinite(value)) return;
  const auto index = static_cast<std::int64_t>(std::floor(t_s / settings_.bin_s));
  Accumulator& bin = bins[index];
  bin.sum += value;
  ++bin.count;
  latest_s_ = std::max(latest_s_, t_s);
  // The window never reaches back more than max_window_s: older bins are never read again.
  const auto oldest = static_cast<std::int64_t>(
                          std::floor((latest_s_ - settings_.max_window_s) / settings_.bin_s)) -
                      1;
  for (Bins* each : {&load_bins_, &ttft_bins_}) {
    each->erase(each->begin(), each->lower_bound(oldest));
  }
}

void SaturationDetector::add_load(double t_s, double requests) { add(load_bins_, t_s, requests); }

void SaturationDetector::add_ttft(double t_s, double ttft_ms) { add(ttft_bins_, t_s, ttft_ms); }

SaturationCheck SaturationDetector::check(double now_s) const {
  SaturationCheck result;
  if (!(now_s >= settings_.min_seconds)) {
    result.reason =
        fmt::format("not judged before {} s ({} s so far)", num(settings_.min_seconds), num(now_s));
    return result;
  }
  const double bin_s = settings_.bin_s;
  const double window_start_s = std::max(now_s / 2.0, now_s - settings_.max_window_s);
  const auto window = [&](const Bins& bins) {
    Series series;
    for (const auto& [index, bin] : bins) {
      const double start_s = static_cast<double>(index) * bin_s;
      if (start_s < window_start_s - 1e-9 || start_s + bin_s > now_s + 1e-9) continue;
      series.xs.push_back(start_s + bin_s / 2.0);
      series.ys.push_back(bin.sum / static_cast<double>(bin.count));
    }
    return series;
  };
  const Series load = window(load_bins_);
  const Series ttft = window(ttft_bins_);
  result.load_bins = load.xs.size();
  result.ttft_bins = ttft.xs.size();
  result.load = fit_trend(
      load.xs, load.ys,
      TrendThresholds{settings_.min_bins, settings_.min_relative_rise, settings_.min_load_rise});
  result.ttft = fit_trend(ttft.xs, ttft.ys,
                          TrendThresholds{settings_.min_bins, settings_.min_relative_rise, 0.0});
  if (!result.load) {
    result.reason = fmt::format("{} bins with a load sample in the window (< {})", result.load_bins,
                                settings_.min_bins);
    return result;
  }
  const std::string load_text = trend_text("load", "", *result.load);
  if (!result.load->rising) {
    result.reason = "load not rising: " + load_text;
    return result;
  }
  if (!result.ttft) {
    result.over_saturated = true;
    result.reason = fmt::format(
        "over-saturated: {}; {} bins with a TTFT (< {}): no first token "
        "contradicts it",
        load_text, result.ttft_bins, settings_.min_bins);
    return result;
  }
  const std::string ttft_text = trend_text("TTFT", " ms", *result.ttft);
  result.over_saturated = result.ttft->rising;
  result.reason =
      fmt::format("{}: {}; {}", result.over_saturated ? "over-saturated" : "TTFT not rising",
                  load_text, ttft_text);
  return result;
}

}  // namespace llmpace::telemetry
