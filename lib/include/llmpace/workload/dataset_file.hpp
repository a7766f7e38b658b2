// Datasets from files: the rows a benchmark sends, read from JSONL, a JSON array or CSV.
//
// Per row: the prompt (a column detected among prompt, text, question, input, instruction, or chat
// `messages`, or the one named by --data-column), ShareGPT `conversations` (the first human turn is
// the prompt, the reply that follows it gives the output length), optional token counts
// (output_tokens / output_length / max_tokens ..., prompt_tokens / input_length ...), and for trace
// replay a timestamp (seconds or milliseconds, made relative to the earliest row).
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
  automatic,     // *_ms columns and Mooncake-style traces (integer `timestamp` with
                 // `input_length`) are milliseconds, everything else seconds
  seconds,
  milliseconds,
};

struct DatasetRow {
  std::string prompt;                           // empty for a trace row that gives only lengths
  nlohmann::json messages;                      // chat messages array, or null
  std::optional<std::int64_t> prompt_tokens;    // from the row (traces: input_length)
  std::optional<std::int64_t> output_tokens;    // from the row (traces: output_length)
  std::optional<std::string> reference_output;  // ShareGPT reply: its tokens give the output length
  std::optional<double> timestamp_s;            // relative to the earliest row, in seconds
  std::size_t line = 0;                         // 1-based line where the row starts
};

struct DatasetOptions {
  std::string column;                   // --data-column; empty: detect
  std::optional<std::size_t> samples;   // --data-samples: keep this many rows (after shuffling)
  bool shuffle = false;                 // shuffle with seed before taking samples
  std::uint64_t seed = 42;
  TimeUnit time_unit = TimeUnit::automatic;
  bool require_timestamps = false;      // replay: rows without a timestamp are bad rows
};

struct Dataset {
  DatasetFormat format = DatasetFormat::jsonl;
  std::string prompt_column;            // as detected or named ("conversations" for ShareGPT)
  std::vector<DatasetRow> rows;         // file order (or shuffled), timestamps sorted for replay
  std::vector<std::string> skipped;     // "FILE:LINE: reason", one per bad row
  std::size_t rows_read = 0;            // rows seen, usable or not
};

/// True when `data` names an existing file rather than a key=value synthetic spec.
bool looks_like_dataset_path(const std::string& data);

/// Reads the dataset. Throws ConfigError (one line, naming the file and, where it applies, the
/// line) when nothing usable can be read.
Dataset load_dataset(const std::filesystem::path& path, const DatasetOptions& options);

}  // namespace llmpace::workload
