// Datasets from files: the rows a benchmark sends, read from JSONL, a JSON array or CSV.
//
// Format: by extension (.jsonl/.ndjson JSON lines, .json a JSON array, .csv RFC 4180 CSV, in any
// letter case); a .json file may also be one object holding a single array field ({"data": [...]})
// or JSON lines under the wrong name. Other extensions are sniffed: '[' starts a JSON array, '{'
// JSON lines (or the object holding an array), anything else CSV. A UTF-8 BOM is skipped.
//
// Per row: the prompt (a column detected among prompt, text, question, input, instruction, chat
// `messages`, ShareGPT `conversations`: the first of them with a non-empty value in the first row
// that has one, then used for every row; or the one named by --data-column), optional token counts
// (output_tokens / output_length / output_len / max_tokens / "Response tokens", prompt_tokens /
// input_length / input_len / input_tokens / "Request tokens": whole numbers from 1 to 10^7), and
// for trace replay a timestamp (seconds or milliseconds, made relative to the earliest row).
// Column names match exactly, else case-insensitively. An absent, null or empty value counts as
// absent. A row may also be a bare JSON string: the prompt itself.
//
// Chat `messages` keep the conversation up to its last user message (the prompt); the assistant
// reply that follows it, if any, becomes reference_output. ShareGPT `conversations`: the first
// human/user turn is the prompt, the gpt/assistant turn right after it the reference output.
//
// A row that cannot be used is skipped and reported as "FILE:LINE: reason"; loading fails with a
// ConfigError when the file is unreadable, malformed as a whole, or has no usable row.
//
// Pure: reads the file and returns values; no tokenizer, no network.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmpace::workload {

enum class DatasetFormat { jsonl, json_array, csv };

enum class TimeUnit {
  automatic,  // *_ms columns and Mooncake-style traces (integer `timestamp` with
              // `input_length`) are milliseconds, everything else seconds
  seconds,
  milliseconds,
};

struct DatasetRow {
  std::string prompt;                           // empty for a trace row that gives only lengths
  nlohmann::json messages;                      // chat messages (up to the last user turn), or null
  std::optional<std::int64_t> prompt_tokens;    // from the row (traces: input_length)
  std::optional<std::int64_t> output_tokens;    // from the row (traces: output_length)
  std::optional<std::string> reference_output;  // the reply in the file (ShareGPT, chat): its
                                                // tokens give the output length
  std::optional<double> timestamp_s;            // seconds after the earliest usable row
  std::size_t line = 0;                         // 1-based line where the row starts
};

struct DatasetOptions {
  std::string column;                  // --data-column; empty: detect
  std::optional<std::size_t> samples;  // --data-samples: keep this many rows (after shuffling)
  bool shuffle = false;                // shuffle with seed before taking samples (not in replay)
  std::uint64_t seed = 42;
  TimeUnit time_unit = TimeUnit::automatic;
  bool require_timestamps = false;  // replay: rows without a timestamp are bad rows, and the
                                    // rows are sorted by timestamp (stable)
};

struct Dataset {
  DatasetFormat format = DatasetFormat::jsonl;
  std::string prompt_column;         // as detected (the file's spelling) or named; empty for a
                                     // trace that gives only lengths
  std::vector<DatasetRow> rows;      // file order (or shuffled), timestamps sorted for replay
  std::vector<std::string> skipped;  // "FILE:LINE: reason", one per bad row
  std::size_t rows_read = 0;         // rows seen, usable or not
};

/// True when `data` is a file path rather than a key=value synthetic spec: it has no '=', or it
/// names an existing regular file.
bool looks_like_dataset_path(const std::string& data);

/// Reads the dataset. Throws ConfigError (one line, naming the file and, where it applies, the
/// line) when nothing usable can be read, and when options.samples is 0 or options.column is a
/// column of no row.
Dataset load_dataset(const std::filesystem::path& path, const DatasetOptions& options);

}  // namespace llmpace::workload
