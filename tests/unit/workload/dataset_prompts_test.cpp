#include "llmpace/workload/dataset_prompts.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::workload;

namespace {

// One token per character, plus 3 for a chat request: simple enough to predict every count.
class CharacterCounter final : public TokenCounter {
 public:
  std::int64_t count(std::string_view text, PromptForm form) override {
    ++calls_;
    return static_cast<std::int64_t>(text.size()) + (form == PromptForm::chat ? 3 : 0);
  }
  [[nodiscard]] bool exact(PromptForm) const override { return true; }
  [[nodiscard]] std::string description() const override { return "characters"; }
  [[nodiscard]] std::int64_t calls() const override { return calls_; }

 private:
  std::int64_t calls_ = 0;
};

DatasetRow text_row(std::string prompt, std::size_t line) {
  DatasetRow row;
  row.prompt = std::move(prompt);
  row.line = line;
  return row;
}

}  // namespace

TEST_CASE("dataset prompts: text as it is and output lengths from the row or the reply") {
  Dataset dataset;
  dataset.prompt_column = "conversations";
  dataset.rows.push_back(text_row("first", 2));
  dataset.rows[0].output_tokens = 12;
  dataset.rows.push_back(text_row("second", 9));
  dataset.rows[1].reference_output = "a reply of 21 chars..";
  dataset.rows.push_back(text_row("third", 11));  // no length: the model decides
  dataset.rows.back().messages = nlohmann::json::array({{{"role", "user"}, {"content", "third"}}});
  dataset.rows_read = 4;
  dataset.skipped.push_back("f.json:5: no prompt");
  CharacterCounter counter;
  WordCalibration calibration;
  const DatasetPromptSource source(dataset, "f.json", counter, calibration, 1);

  CHECK(source.prompt_for(0).text == "first");
  CHECK(source.prompt_for(0).output_tokens == 12);
  CHECK(source.prompt_for(1).output_tokens == 21);
  CHECK_FALSE(source.prompt_for(2).output_tokens.has_value());
  CHECK(source.prompt_for(2).messages.is_array());
  CHECK(source.prompt_for(3).text == "first");  // requests cycle through the rows
  const auto description = source.describe();
  CHECK(description["rows_used"] == 3);
  CHECK(description["rows_skipped"] == 1);
  CHECK(description["output_tokens_from_reference"] == 1);
}

TEST_CASE("dataset prompts: a trace row's input length becomes exact synthetic text") {
  CharacterCounter characters;
  // Words of one token each under this calibration: a word-counting tokenizer with a 3-token
  // chat template (what calibrate_words measures against a real server).
  WordCalibration calibration;
  calibration.words = {"a", "b", "c", "d", "e", "f", "g", "h",
                       "i", "j", "k", "l", "m", "n", "o", "p"};
  calibration.lead = "a";
  calibration.overhead_tokens = 3;
  calibration.form = PromptForm::chat;
  Dataset dataset;
  DatasetRow row;
  row.prompt_tokens = 40;
  row.output_tokens = 5;
  row.line = 3;
  dataset.rows.push_back(row);
  const DatasetPromptSource source(dataset, "trace.jsonl", characters, calibration, 1);
  const Prompt prompt = source.prompt_for(0);
  CHECK(prompt.expected_prompt_tokens == 40);
  CHECK(prompt.output_tokens == 5);
  // 37 one-letter words and their spaces: 40 - 3 words in the text.
  CHECK(prompt.text.size() == 37 * 2 - 1);

  dataset.rows[0].prompt_tokens = 3;
  CHECK_THROWS_WITH(DatasetPromptSource(dataset, "trace.jsonl", characters, calibration, 1),
                    Catch::Contains("trace.jsonl:3: input length 3 leaves no room for text"));
}
