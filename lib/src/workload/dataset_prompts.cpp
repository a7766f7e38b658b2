#include "llmpace/workload/dataset_prompts.hpp"

#include <fmt/format.h>

#include "llmpace/core/error.hpp"
#include "llmpace/workload/synthetic_prompts.hpp"

namespace llmpace::workload {
namespace {

std::string_view format_name(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::jsonl:
      return "jsonl";
    case DatasetFormat::json_array:
      return "json";
    case DatasetFormat::csv:
      return "csv";
  }
  return "unknown";
}

}  // namespace

DatasetPromptSource::DatasetPromptSource(const Dataset& dataset, std::string path,
                                         TokenCounter& counter, const WordCalibration& calibration,
                                         std::uint64_t seed) {
  prompts_.reserve(dataset.rows.size());
  std::size_t synthesized = 0;
  std::size_t counted_outputs = 0;
  for (std::size_t i = 0; i < dataset.rows.size(); ++i) {
    const DatasetRow& row = dataset.rows[i];
    Prompt prompt;
    prompt.messages = row.messages;
    if (!row.prompt.empty() || !row.messages.is_null()) {
      prompt.text = row.prompt;
      prompt.expected_prompt_tokens = row.prompt_tokens.value_or(0);
    } else if (row.prompt_tokens) {
      if (*row.prompt_tokens <= calibration.overhead_tokens) {
        throw ConfigError(fmt::format(
            "{}:{}: input length {} leaves no room for text: a {} request adds {} tokens by "
            "itself",
            path, row.line, *row.prompt_tokens, to_string(calibration.form),
            calibration.overhead_tokens));
      }
      prompt.text = synthetic_text(calibration, *row.prompt_tokens, i, seed);
      prompt.expected_prompt_tokens = *row.prompt_tokens;
      ++synthesized;
    }
    if (row.output_tokens) {
      prompt.output_tokens = row.output_tokens;
    } else if (row.reference_output && !row.reference_output->empty()) {
      prompt.output_tokens =
          std::max<std::int64_t>(1, counter.count(*row.reference_output, PromptForm::bare));
      ++counted_outputs;
    }
    prompts_.push_back(std::move(prompt));
  }
  description_ = {{"kind", "file"},
                  {"path", std::move(path)},
                  {"format", format_name(dataset.format)},
                  {"prompt_column", dataset.prompt_column},
                  {"rows_read", dataset.rows_read},
                  {"rows_used", dataset.rows.size()},
                  {"rows_skipped", dataset.skipped.size()},
                  {"synthesized_prompts", synthesized},
                  {"output_tokens_from_reference", counted_outputs},
                  {"seed", seed},
                  {"tokenizer", calibration.tokenizer}};
}

Prompt DatasetPromptSource::prompt_for(std::uint64_t index) const {
  return prompts_[index % prompts_.size()];
}

nlohmann::json DatasetPromptSource::describe() const { return description_; }

}  // namespace llmpace::workload
