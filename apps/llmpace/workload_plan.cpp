#include "workload_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "llmpace/core/error.hpp"
#include "llmpace/engine/server_token_counter.hpp"
#include "llmpace/workload/dataset_prompts.hpp"
#include "llmpace/workload/synthetic_prompts.hpp"
#include "llmpace/workload/token_counter.hpp"
#include "llmpace/workload/word_calibration.hpp"

namespace llmpace::app {
namespace {

workload::TimeUnit parse_time_unit(const std::string& text) {
  if (text == "auto") return workload::TimeUnit::automatic;
  if (text == "s") return workload::TimeUnit::seconds;
  if (text == "ms") return workload::TimeUnit::milliseconds;
  throw ConfigError(fmt::format("--time-unit: expected auto, s or ms, got '{}'", text));
}

std::unique_ptr<workload::TokenCounter> make_counter(const WorkloadPlan& plan,
                                                     const engine::Target& target) {
  switch (plan.tokenizer) {
    case TokenizerChoice::file:
      return std::make_unique<workload::LocalTokenCounter>(plan.local_tokenizer);
    case TokenizerChoice::approx:
      fmt::print(stderr,
                 "llmpace: warning: --tokenizer approx: prompt lengths are estimates, not the "
                 "model's token counts\n");
      return std::make_unique<workload::ApproxTokenCounter>();
    case TokenizerChoice::server:
    case TokenizerChoice::automatic:
      break;
  }
  engine::ServerTokenCounter::ProbeFailure failure;
  if (auto server = engine::ServerTokenCounter::probe(target, failure)) return server;
  if (plan.tokenizer == TokenizerChoice::server) {
    if (failure.unreachable) throw RunError(failure.reason);
    throw ConfigError(fmt::format(
        "--tokenizer server: {} in vLLM's or llama.cpp's shape; pass --tokenizer FILE (a "
        "tokenizer.json) or --tokenizer approx",
        failure.reason));
  }
  fmt::print(stderr,
             "llmpace: warning: {}; prompt lengths are estimates (pass --tokenizer FILE with the "
             "model's tokenizer.json for exact ones)\n",
             failure.reason);
  return std::make_unique<workload::ApproxTokenCounter>();
}

bool needs_calibration(const WorkloadPlan& plan) {
  if (plan.synthetic) return true;
  return std::any_of(
      plan.dataset->rows.begin(), plan.dataset->rows.end(),
      [](const workload::DatasetRow& row) { return row.prompt.empty() && row.messages.is_null(); });
}

}  // namespace

WorkloadPlan resolve_workload_plan(const WorkloadFlags& flags) {
  WorkloadPlan plan;
  plan.seed = flags.seed;
  if (!std::isfinite(flags.time_scale) || flags.time_scale <= 0) {
    throw ConfigError("--time-scale must be a positive number (0.5 replays twice as fast)");
  }
  const workload::TimeUnit time_unit = parse_time_unit(flags.time_unit);

  if (flags.tokenizer == "auto") {
    plan.tokenizer = TokenizerChoice::automatic;
  } else if (flags.tokenizer == "server") {
    plan.tokenizer = TokenizerChoice::server;
  } else if (flags.tokenizer == "approx") {
    plan.tokenizer = TokenizerChoice::approx;
  } else {
    plan.tokenizer = TokenizerChoice::file;
    plan.local_tokenizer = tokenizer::load_tokenizer(flags.tokenizer);
  }

  const bool is_file = workload::looks_like_dataset_path(flags.data);
  if (!is_file) {
    if (!flags.data_column.empty() || flags.data_samples) {
      throw ConfigError("--data-column and --data-samples apply to --data FILE");
    }
    if (flags.replay) {
      throw ConfigError("--profile replay needs --data FILE with a timestamp per row");
    }
    plan.synthetic = workload::parse_synthetic_data(flags.data);
    plan.run_config = flags.data;
    return plan;
  }

  workload::DatasetOptions options;
  options.column = flags.data_column;
  if (flags.data_samples) {
    if (*flags.data_samples < 1) throw ConfigError("--data-samples must be at least 1");
    options.samples = static_cast<std::size_t>(*flags.data_samples);
  }
  options.shuffle = !flags.replay && flags.data_samples.has_value();
  options.seed = flags.seed;
  options.time_unit = time_unit;
  options.require_timestamps = flags.replay;
  plan.dataset = workload::load_dataset(flags.data, options);
  plan.dataset_path = flags.data;
  if (flags.replay) {
    auto offsets = std::make_shared<std::vector<Nanoseconds>>();
    offsets->reserve(plan.dataset->rows.size());
    for (const auto& row : plan.dataset->rows) {
      offsets->push_back(from_seconds(row.timestamp_s.value_or(0.0) * flags.time_scale));
    }
    plan.replay_offsets = std::move(offsets);
  }
  plan.run_config = {
      {"path", flags.data},
      {"column", flags.data_column.empty() ? nlohmann::json() : nlohmann::json(flags.data_column)},
      {"samples", flags.data_samples ? nlohmann::json(*flags.data_samples) : nlohmann::json()},
      {"time_scale", flags.time_scale},
      {"time_unit", flags.time_unit}};
  return plan;
}

std::shared_ptr<const workload::PromptSource> build_prompt_source(const WorkloadPlan& plan,
                                                                  const engine::Target& target,
                                                                  bool quiet) {
  if (plan.dataset) {
    const auto& skipped = plan.dataset->skipped;
    constexpr std::size_t kShown = 10;  // a BurstGPT file can have thousands of failed rows
    for (std::size_t i = 0; i < std::min(skipped.size(), kShown); ++i) {
      fmt::print(stderr, "llmpace: warning: skipped {}\n", skipped[i]);
    }
    if (skipped.size() > kShown) {
      fmt::print(stderr, "llmpace: warning: skipped {} more rows of {}\n", skipped.size() - kShown,
                 plan.dataset_path);
    }
  }
  const auto form = target.api == openai::ApiKind::chat_completions
                        ? workload::PromptForm::chat
                        : workload::PromptForm::completion;
  const std::unique_ptr<workload::TokenCounter> counter = make_counter(plan, target);
  if (!counter->exact(form) && counter->exact(workload::PromptForm::bare) && !quiet) {
    fmt::print(stderr,
               "llmpace: note: {} counts the text of chat prompts without the chat template\n",
               counter->description());
  }
  workload::WordCalibration calibration;
  calibration.form = form;
  calibration.tokenizer = counter->description();
  if (needs_calibration(plan)) calibration = workload::calibrate_words(*counter, form);

  std::shared_ptr<const workload::PromptSource> source;
  if (plan.synthetic) {
    auto synthetic =
        std::make_shared<workload::SyntheticPromptSource>(*plan.synthetic, plan.seed, calibration);
    if (calibration.exact) {
      for (const auto& mismatch : workload::verify_prompt_lengths(*synthetic, *counter)) {
        fmt::print(stderr, "llmpace: warning: prompt length not exact: {}\n", mismatch);
      }
    }
    source = std::move(synthetic);
  } else {
    source = std::make_shared<workload::DatasetPromptSource>(*plan.dataset, plan.dataset_path,
                                                             *counter, calibration, plan.seed);
  }
  if (!quiet) {
    fmt::print(stderr, "llmpace: prompts counted by {} ({} calls{})\n", counter->description(),
               counter->calls(),
               calibration.overhead_tokens > 0
                   ? fmt::format("; a {} request adds {} tokens", to_string(form),
                                 calibration.overhead_tokens)
                   : "");
  }
  return source;
}

}  // namespace llmpace::app
