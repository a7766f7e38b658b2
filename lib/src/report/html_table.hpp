// A small HTML table builder for the report's Diagnosis and Server and GPU sections (private to
// the report module): a head of columns under optional group labels, rows of cells that are HTML
// already (escaped by whoever made them), a missing value shown as a dimmed "-".
//
// Pure; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::report::html {

struct Column {
  std::string_view group;  ///< shared label over consecutive columns; empty for none
  std::string_view name;
  bool left = false;  ///< text, aligned left (numbers are right-aligned)
  bool text = false;  ///< long text that wraps (a verdict), aligned left
};

struct Cell {
  std::string html;  ///< escaped
  bool na = false;   ///< a missing value ("-"), shown dimmed
};

/// kAbsent, dimmed.
Cell absent_cell();
/// `text` escaped; dimmed when it is kAbsent (what format_fixed and format_ms write for NaN).
Cell text_cell(std::string_view text);

/// One table in a scrolling wrapper. Every row has one cell per column.
void append_table(std::string& out, std::span<const Column> columns,
                  const std::vector<std::vector<Cell>>& rows);

}  // namespace llmpace::report::html
