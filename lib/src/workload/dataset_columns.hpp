// The columns of a dataset row and what they mean: which column holds the prompt (detected once
// per file, or named by --data-column), the token counts, and the timestamp. Works on JSON objects
// and CSV records alike through RowView.
//
// Column names match exactly first, then case-insensitively ("request tokens" finds BurstGPT's
// "Request tokens"). A cell that is absent, JSON null or empty text counts as absent everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "llmpace/workload/dataset_file.hpp"

namespace llmpace::workload::detail {

/// Candidates for the prompt, in the order detection tries them.
inline constexpr std::array<std::string_view, 7> kPromptColumns = {
    "prompt", "text", "question", "input", "instruction", "messages", "conversations"};
/// Output length, first present wins.
inline constexpr std::array<std::string_view, 5> kOutputTokenColumns = {
    "output_tokens", "output_length", "output_len", "max_tokens", "Response tokens"};
/// Prompt length, first present wins.
inline constexpr std::array<std::string_view, 5> kPromptTokenColumns = {
    "prompt_tokens", "input_length", "input_len", "input_tokens", "Request tokens"};
/// Arrival time for replay; the first present in the first row that has one is used for the file.
inline constexpr std::array<std::string_view, 6> kTimestampColumns = {
    "timestamp", "Timestamp", "timestamp_s", "timestamp_ms", "time", "arrival_time"};

/// The largest token count a row may give (as for synthetic data).
inline constexpr std::int64_t kMaxRowTokens = 10'000'000;

bool iequals(std::string_view a, std::string_view b);

bool valid_utf8(std::string_view text);
/// The text with each byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

/// One cell of a row: a JSON value or a CSV field. The extractor may move text out of it.
struct Cell {
  nlohmann::json* json = nullptr;
  std::string* text = nullptr;
  std::string_view name;  // the column's name as the file spells it

  bool present() const { return json != nullptr || text != nullptr; }
  /// Absent, null or empty text.
  bool blank() const;
};

class RowView {
 public:
  virtual ~RowView() = default;
  /// The cell named `name` (exact match, else case-insensitive), or an absent cell.
  virtual Cell find(std::string_view name) = 0;
  /// Appends the row's column names to `names` (for error messages).
  virtual void column_names(std::vector<std::string>& names) const = 0;
};

/// A timestamp as the file gives it, before the file's unit is known.
struct RawTimestamp {
  double value = 0;
  bool integer = false;  // written without a fraction or exponent
};

/// "'max_tokens' must be a whole number from 1 to 10000000, got 0" or a count.
struct CountResult {
  std::optional<std::int64_t> value;
  std::string error;
};
CountResult parse_count(const Cell& cell);

/// Parses a non-blank timestamp cell; the error names the problem ("negative timestamp -5").
struct TimestampResult {
  std::optional<RawTimestamp> value;
  std::string error;
};
TimestampResult parse_timestamp(const Cell& cell);

/// Reads rows into DatasetRows, detecting the columns on the way.
class RowExtractor {
 public:
  /// `named_column`: --data-column, or empty to detect.
  explicit RowExtractor(std::string named_column);

  /// Fills `row` (all but line and timestamp_s) and `timestamp` from `view`. Returns why the row
  /// cannot be used, or an empty string.
  std::string extract(RowView& view, DatasetRow& row, std::optional<RawTimestamp>& timestamp);

  /// A row that is a bare JSON string: the string is the prompt.
  std::string extract_bare_prompt(std::string text, DatasetRow& row);

  /// The prompt column: named, or detected (the file's spelling); empty while none is known.
  const std::string& prompt_column() const { return prompt_column_; }
  /// The timestamp column in use; empty while none is known.
  const std::string& timestamp_column() const { return timestamp_column_; }
  /// Some row has an input_length column (a Mooncake-style trace, with integer timestamps).
  bool saw_input_length() const { return saw_input_length_; }
  /// Some row has the --data-column column.
  bool named_column_found() const { return named_found_; }
  /// Column names seen while the --data-column column was not yet found, in order of appearance.
  const std::vector<std::string>& columns_seen() const { return columns_seen_; }

 private:
  std::string take_prompt(Cell& cell, DatasetRow& row) const;
  void note_columns(const RowView& view);

  std::string named_;
  std::string prompt_column_;
  std::string timestamp_column_;
  bool saw_input_length_ = false;
  bool named_found_ = false;
  std::vector<std::string> columns_seen_;
  std::unordered_set<std::string> columns_seen_set_;
  std::vector<std::string> scratch_names_;
};

}  // namespace llmpace::workload::detail
