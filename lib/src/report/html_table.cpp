#include "html_table.hpp"

#include <fmt/format.h>

#include <iterator>

#include "llmpace/report/number_format.hpp"
#include "llmpace/report/svg_chart.hpp"

namespace llmpace::report::html {
namespace {

std::string cell_classes(const Column& column, const Cell& cell) {
  std::string classes;
  const auto add = [&classes](std::string_view name) {
    if (!classes.empty()) classes += ' ';
    classes += name;
  };
  if (column.text) {
    add("text");
  } else if (column.left) {
    add("l");
  }
  if (cell.na) add("na");
  return classes.empty() ? std::string() : " class=\"" + classes + "\"";
}

void append_head(std::string& out, std::span<const Column> columns) {
  out += "<thead>\n";
  bool grouped = false;
  for (const Column& column : columns) grouped = grouped || !column.group.empty();
  if (grouped) {
    out += "<tr class=\"groups\">";
    for (std::size_t i = 0; i < columns.size();) {
      std::size_t end = i + 1;
      while (end < columns.size() && columns[end].group == columns[i].group) ++end;
      if (columns[i].group.empty()) {
        for (std::size_t j = i; j < end; ++j) out += "<th></th>";
      } else {
        fmt::format_to(std::back_inserter(out), "<th class=\"g\" colspan=\"{}\">{}</th>", end - i,
                       columns[i].group);
      }
      i = end;
    }
    out += "</tr>\n";
  }
  out += "<tr>";
  for (const Column& column : columns) {
    fmt::format_to(std::back_inserter(out), "<th{}>{}</th>",
                   column.left || column.text ? " class=\"l\"" : "", column.name);
  }
  out += "</tr>\n</thead>\n";
}

}  // namespace

Cell absent_cell() { return {std::string(kAbsent), true}; }

Cell text_cell(std::string_view text) { return {svg::xml_escape(text), text == kAbsent}; }

void append_table(std::string& out, std::span<const Column> columns,
                  const std::vector<std::vector<Cell>>& rows) {
  out += "<div class=\"table-wrap\"><table>\n";
  append_head(out, columns);
  out += "<tbody>\n";
  for (const std::vector<Cell>& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size() && i < columns.size(); ++i) {
      fmt::format_to(std::back_inserter(out), "<td{}>{}</td>", cell_classes(columns[i], row[i]),
                     row[i].html);
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table></div>\n";
}

}  // namespace llmpace::report::html
