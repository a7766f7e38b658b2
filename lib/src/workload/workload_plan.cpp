#include "llmpace/workload/workload_plan.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::workload {
namespace {

TimeUnit parse_time_unit(const std::string& text) {
  if (text == "auto") return TimeUnit::automatic;
  if (text == "s") return TimeUnit::seconds;
  if (text == "ms") return TimeUnit::milliseconds;
  throw SettingError("time_unit", fmt::format("expected auto, s or ms, got '{}'", text));
}

}  // namespace

WorkloadPlan resolve_workload_plan(const WorkloadSettings& settings) {
  WorkloadPlan plan;
  plan.seed = settings.seed;
  if (!std::isfinite(settings.time_scale) || settings.time_scale <= 0) {
    throw SettingError("time_scale", "must be a positive number (0.5 replays twice as fast)");
  }
  const TimeUnit time_unit = parse_time_unit(settings.time_unit);

  if (settings.tokenizer == "auto") {
    plan.tokenizer = TokenizerChoice::automatic;
  } else if (settings.tokenizer == "server") {
    plan.tokenizer = TokenizerChoice::server;
  } else if (settings.tokenizer == "approx") {
    plan.tokenizer = TokenizerChoice::approx;
  } else {
    plan.tokenizer = TokenizerChoice::file;
    plan.local_tokenizer =
        about_setting("tokenizer", [&] { return tokenizer::load_tokenizer(settings.tokenizer); });
  }

  const bool is_file = looks_like_dataset_path(settings.data);
  if (!is_file) {
    if (!settings.data_column.empty()) {
      throw SettingError("data_column", "applies to {data} FILE");
    }
    if (settings.data_samples) throw SettingError("data_samples", "applies to {data} FILE");
    if (settings.replay) {
      throw SettingError("data", "{profile} replay needs a FILE with a timestamp per row");
    }
    plan.synthetic = about_setting("data", [&] { return parse_synthetic_data(settings.data); });
    plan.run_config = settings.data;
    return plan;
  }

  DatasetOptions options;
  options.column = settings.data_column;
  if (settings.data_samples) {
    if (*settings.data_samples < 1) throw SettingError("data_samples", "must be at least 1");
    options.samples = static_cast<std::size_t>(*settings.data_samples);
  }
  options.shuffle = !settings.replay && settings.data_samples.has_value();
  options.seed = settings.seed;
  options.time_unit = time_unit;
  options.require_timestamps = settings.replay;
  plan.dataset = about_setting("data", [&] { return load_dataset(settings.data, options); });
  plan.dataset_path = settings.data;
  if (settings.replay) {
    auto offsets = std::make_shared<std::vector<Nanoseconds>>();
    offsets->reserve(plan.dataset->rows.size());
    for (const auto& row : plan.dataset->rows) {
      offsets->push_back(from_seconds(row.timestamp_s.value_or(0.0) * settings.time_scale));
    }
    plan.replay_offsets = std::move(offsets);
  }
  plan.run_config = {
      {"path", settings.data},
      {"column",
       settings.data_column.empty() ? nlohmann::json() : nlohmann::json(settings.data_column)},
      {"samples",
       settings.data_samples ? nlohmann::json(*settings.data_samples) : nlohmann::json()},
      {"time_scale", settings.time_scale},
      {"time_unit", settings.time_unit}};
  return plan;
}

}  // namespace llmpace::workload
