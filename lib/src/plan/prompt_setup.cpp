#include "llmpace/plan/prompt_setup.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "llmpace/core/error.hpp"
#include "llmpace/engine/server_token_counter.hpp"
#include "llmpace/workload/dataset_prompts.hpp"
#include "llmpace/workload/synthetic_prompts.hpp"
#include "llmpace/workload/token_counter.hpp"
#include "llmpace/workload/word_calibration.hpp"

namespace llmpace::plan {
namespace {

using workload::TokenizerChoice;

std::unique_ptr<workload::TokenCounter> make_counter(const workload::WorkloadPlan& plan,
                                                     const engine::Target& target,
                                                     const NoteSink& note) {
  switch (plan.tokenizer) {
    case TokenizerChoice::file:
      return std::make_unique<workload::LocalTokenCounter>(plan.local_tokenizer);
    case TokenizerChoice::approx:
      note("--tokenizer approx: prompt lengths are estimates, not the model's token counts", true);
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
  note(fmt::format("{}; prompt lengths are estimates (pass --tokenizer FILE with the model's "
                   "tokenizer.json for exact ones)",
                   failure.reason),
       true);
  return std::make_unique<workload::ApproxTokenCounter>();
}

bool needs_calibration(const workload::WorkloadPlan& plan) {
  if (plan.synthetic) return true;
  return std::any_of(
      plan.dataset->rows.begin(), plan.dataset->rows.end(),
      [](const workload::DatasetRow& row) { return row.prompt.empty() && row.messages.is_null(); });
}

void report_skipped_rows(const workload::WorkloadPlan& plan, const NoteSink& note) {
  const auto& skipped = plan.dataset->skipped;
  constexpr std::size_t kShown = 10;  // a BurstGPT file can have thousands of failed rows
  for (std::size_t i = 0; i < std::min(skipped.size(), kShown); ++i) {
    note(fmt::format("skipped {}", skipped[i]), true);
  }
  if (skipped.size() > kShown) {
    note(fmt::format("skipped {} more rows of {}", skipped.size() - kShown, plan.dataset_path),
         true);
  }
}

}  // namespace

std::shared_ptr<const workload::PromptSource> build_prompt_source(
    const workload::WorkloadPlan& plan, const engine::Target& target, const NoteSink& note) {
  if (plan.dataset) report_skipped_rows(plan, note);
  const auto form = target.api == openai::ApiKind::chat_completions
                        ? workload::PromptForm::chat
                        : workload::PromptForm::completion;
  const std::unique_ptr<workload::TokenCounter> counter = make_counter(plan, target, note);
  if (!counter->exact(form) && counter->exact(workload::PromptForm::bare)) {
    note(fmt::format("{} counts the text of chat prompts without the chat template",
                     counter->description()),
         false);
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
        note(fmt::format("prompt length not exact: {}", mismatch), true);
      }
    }
    source = std::move(synthetic);
  } else {
    source = std::make_shared<workload::DatasetPromptSource>(*plan.dataset, plan.dataset_path,
                                                             *counter, calibration, plan.seed);
  }
  note(fmt::format("prompts counted by {} ({} calls{})", counter->description(), counter->calls(),
                   calibration.overhead_tokens > 0
                       ? fmt::format("; a {} request adds {} tokens", to_string(form),
                                     calibration.overhead_tokens)
                       : ""),
       false);
  return source;
}

}  // namespace llmpace::plan
