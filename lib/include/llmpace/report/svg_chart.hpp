// SVG line charts for the HTML report: several series on shared axes with "nice" ticks, a
// legend under the plot, an optional log-scale y axis. The output is one <svg> element meant to
// be inlined in an HTML page: no xmlns, no script, no reference to anything outside the element.
// Every text (title, labels, series names) is XML-escaped.
//
// Pure; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::report::svg {

/// Colour-blind-safe palette (Okabe & Ito, 2008), in the order series take it. The yellow of
/// the original is left out: it cannot be read on white.
inline constexpr std::array<std::string_view, 7> kPalette{
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
};

enum class Dash : std::uint8_t { solid, dashed, dotted, dash_dot };
enum class MarkerShape : std::uint8_t { circle, square, triangle, diamond };
/// automatic: markers on the series of at most kAutoMarkerMaxPoints points (always on a single
/// point, which a line alone would not show).
enum class Markers : std::uint8_t { automatic, always, never };
inline constexpr std::size_t kAutoMarkerMaxPoints = 40;

struct Point {
  double x = 0;
  double y = 0;
};

struct Series {
  std::string name;
  /// Joined in this order. Points with a non-finite coordinate, or y <= 0 on a log axis, are
  /// left out.
  std::vector<Point> points;
  std::size_t color = 0;  // index into kPalette (taken modulo its size)
  Dash dash = Dash::solid;
  MarkerShape marker = MarkerShape::circle;
};

/// A tick at `value` shown as `label`.
struct Tick {
  double value = 0;
  std::string label;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<Series> series;
  bool log_y = false;
  bool x_from_zero = false;  // the x range includes 0
  bool y_from_zero = true;   // the y range includes 0 (linear y only)
  Markers markers = Markers::automatic;
  /// Fixed x ticks (a categorical axis such as percentiles); the x range is then from the first
  /// to the last. Empty: nice ticks over the data.
  std::vector<Tick> x_ticks;
  int width = 600;        // of the whole chart; the legend adds to the height
  int plot_height = 260;  // of the plotting area
};

/// The chart as an <svg> element. A chart without any drawable point shows its axes and
/// "no data".
std::string render_line_chart(const LineChart& chart);

/// `text` with & < > " ' replaced by entities; safe in element content and in quoted attributes.
std::string xml_escape(std::string_view text);

/// Ticks at a step of 1, 2 or 5 times a power of ten, from the largest multiple of the step at
/// or below `low` to the smallest at or above `high`, at most `max_ticks` of them (at least 2).
/// A degenerate or invalid range is widened around its value.
std::vector<double> nice_ticks(double low, double high, int max_ticks);

/// Log-axis ticks covering [low, high] (both > 0): powers of ten, plus 2 and 5 times them when
/// the range spans at most three decades. From the power of ten at or below `low` to the one at or
/// above `high`.
std::vector<double> log_ticks(double low, double high);

/// A tick label: as many decimals as `step` needs, thousands as "k" ("12k"), no "-0".
std::string format_tick(double value, double step);

}  // namespace llmpace::report::svg
