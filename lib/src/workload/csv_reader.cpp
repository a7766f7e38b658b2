#include "csv_reader.hpp"

#include <fmt/format.h>

namespace llmpace::workload::detail {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool ends_field(char c) { return c == ',' || c == '\n' || c == '\r'; }

}  // namespace

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.starts_with(kUtf8Bom)) pos_ = kUtf8Bom.size();
}

bool CsvReader::next(CsvRecord& record) {
  const std::size_t size = text_.size();
  // Empty lines hold no record.
  while (pos_ < size && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\r' && pos_ + 1 < size && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  if (pos_ >= size) return false;

  record.line = line_;
  record.error.clear();
  std::size_t count = 0;
  for (;;) {
    if (record.fields.size() <= count) record.fields.emplace_back();
    std::string& field = record.fields[count++];
    field.clear();
    if (pos_ < size && text_[pos_] == '"') {
      read_quoted(record, field);
    } else {
      const std::size_t start = pos_;
      while (pos_ < size && !ends_field(text_[pos_])) ++pos_;
      field.assign(text_.substr(start, pos_ - start));
    }
    if (pos_ >= size) break;
    const char c = text_[pos_++];
    if (c == ',') continue;  // a comma at the very end gives one more, empty, field
    if (c == '\r' && pos_ < size && text_[pos_] == '\n') ++pos_;
    ++line_;
    break;
  }
  record.fields.resize(count);
  return true;
}

void CsvReader::read_quoted(CsvRecord& record, std::string& field) {
  const std::size_t size = text_.size();
  const std::size_t open_line = line_;
  ++pos_;  // the opening quote
  for (;;) {
    const std::size_t quote = text_.find('"', pos_);
    const std::size_t run_end = quote == std::string_view::npos ? size : quote;
    const std::string_view run = text_.substr(pos_, run_end - pos_);
    for (std::size_t i = pos_; i < run_end; ++i) {
      // CRLF counts once (at the LF); a lone CR is a line break of its own.
      const char c = text_[i];
      if (c == '\n' || (c == '\r' && (i + 1 >= size || text_[i + 1] != '\n'))) ++line_;
    }
    field.append(run);
    pos_ = run_end;
    if (quote == std::string_view::npos) {
      record.error =
          fmt::format("unterminated quoted field (its quote opens on line {})", open_line);
      return;
    }
    if (pos_ + 1 < size && text_[pos_ + 1] == '"') {  // "" inside quotes: one quote
      field.push_back('"');
      pos_ += 2;
      continue;
    }
    ++pos_;  // the closing quote
    break;
  }
  if (pos_ < size && !ends_field(text_[pos_])) {
    if (record.error.empty()) record.error = "text after a closing quote";
    const std::size_t start = pos_;
    while (pos_ < size && !ends_field(text_[pos_])) ++pos_;
    field.append(text_.substr(start, pos_ - start));
  }
}

}  // namespace llmpace::workload::detail
