// SVG line charts: layout (margins sized to the tick labels, a legend that wraps into rows under
// the plot), scales, nice ticks and the drawing of series with dashes and markers. Text widths
// are estimated from character counts, which is close enough for labels and legends.
#include "llmpace/report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace llmpace::report::svg {
namespace {

constexpr double kTitleBaseline = 20;
constexpr double kPlotTop = 34;
constexpr double kRightMargin = 22;
constexpr double kXAxisHeight = 46;  // tick labels and the axis label under the plot
constexpr double kLegendGap = 6;
constexpr double kLegendRowHeight = 19;
constexpr double kLegendSwatchWidth = 30;
constexpr double kLegendItemGap = 18;
constexpr double kTickCharWidth = 6.3;    // 11 px digits
constexpr double kLegendCharWidth = 6.6;  // 12 px text
constexpr double kMarkerRadius = 3.6;

constexpr std::string_view kGridColour = "#e4e7eb";
constexpr std::string_view kAxisColour = "#9aa5b1";
constexpr std::string_view kTickTextColour = "#52606d";
constexpr std::string_view kTextColour = "#1f2933";

std::string num(double value) {
  std::string text = fmt::format("{:.1f}", value);
  if (text == "-0.0") text = "0.0";
  return text;
}

std::string_view colour_of(const Series& series) {
  return kPalette[series.color % kPalette.size()];
}

std::string_view dash_array(Dash dash) {
  switch (dash) {
    case Dash::solid:
      return "";
    case Dash::dashed:
      return "7 4";
    case Dash::dotted:
      return "2 3";
    case Dash::dash_dot:
      return "9 3 2 3";
  }
  return "";
}

double text_width(std::string_view text, double char_width) {
  return static_cast<double>(text.size()) * char_width;
}

/// Maps data values to pixels along one axis, linearly or on log10.
struct Scale {
  double low = 0;
  double high = 1;
  double pixel_low = 0;
  double pixel_high = 1;
  bool log = false;

  [[nodiscard]] double operator()(double value) const {
    const double from = log ? std::log10(low) : low;
    const double to = log ? std::log10(high) : high;
    const double v = log ? std::log10(value) : value;
    const double t = to == from ? 0.5 : (v - from) / (to - from);
    return pixel_low + t * (pixel_high - pixel_low);
  }
};

bool drawable(const Point& point, bool log_y) {
  return std::isfinite(point.x) && std::isfinite(point.y) && (!log_y || point.y > 0);
}

struct Extent {
  double min_x = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();
  bool empty = true;
};

Extent data_extent(const LineChart& chart) {
  Extent extent;
  for (const Series& series : chart.series) {
    for (const Point& point : series.points) {
      if (!drawable(point, chart.log_y)) continue;
      extent.min_x = std::min(extent.min_x, point.x);
      extent.max_x = std::max(extent.max_x, point.x);
      extent.min_y = std::min(extent.min_y, point.y);
      extent.max_y = std::max(extent.max_y, point.y);
      extent.empty = false;
    }
  }
  return extent;
}

struct Axis {
  std::vector<Tick> ticks;
  double low = 0;
  double high = 1;
};

std::vector<Tick> labelled(const std::vector<double>& values, bool log) {
  std::vector<Tick> ticks;
  const double step = values.size() > 1 ? values[1] - values[0] : 1;
  for (double value : values) {
    ticks.push_back({value, format_tick(value, log ? value : step)});
  }
  return ticks;
}

Axis x_axis(const LineChart& chart, const Extent& extent, double plot_width) {
  Axis axis;
  if (!chart.x_ticks.empty()) {
    axis.ticks = chart.x_ticks;
    axis.low = axis.high = chart.x_ticks.front().value;
    for (const Tick& tick : chart.x_ticks) {
      axis.low = std::min(axis.low, tick.value);
      axis.high = std::max(axis.high, tick.value);
    }
    if (!extent.empty) {
      axis.low = std::min(axis.low, extent.min_x);
      axis.high = std::max(axis.high, extent.max_x);
    }
    return axis;
  }
  double low = extent.empty ? 0 : extent.min_x;
  double high = extent.empty ? 1 : extent.max_x;
  if (chart.x_from_zero) {
    low = std::min(low, 0.0);
    high = std::max(high, 0.0);
  }
  const int max_ticks = std::clamp(static_cast<int>(plot_width / 75), 3, 10);
  const std::vector<double> values = nice_ticks(low, high, max_ticks);
  axis.ticks = labelled(values, false);
  axis.low = values.front();
  axis.high = values.back();
  return axis;
}

Axis y_axis(const LineChart& chart, const Extent& extent) {
  Axis axis;
  std::vector<double> values;
  if (chart.log_y) {
    values = extent.empty ? log_ticks(1, 10) : log_ticks(extent.min_y, extent.max_y);
  } else {
    double low = extent.empty ? 0 : extent.min_y;
    double high = extent.empty ? 1 : extent.max_y;
    if (chart.y_from_zero) {
      low = std::min(low, 0.0);
      high = std::max(high, 0.0);
    }
    const int max_ticks = std::clamp(chart.plot_height / 45, 3, 8);
    values = nice_ticks(low, high, max_ticks);
  }
  axis.ticks = labelled(values, chart.log_y);
  axis.low = values.front();
  axis.high = values.back();
  return axis;
}

/// Legend items placed in rows that wrap at `width`; returns each item's (x, row).
struct LegendPlacement {
  std::vector<std::pair<double, int>> positions;
  int rows = 0;
};

LegendPlacement place_legend(const std::vector<Series>& series, double width) {
  LegendPlacement placement;
  double x = 0;
  int row = 0;
  for (const Series& item : series) {
    const double item_width = kLegendSwatchWidth + text_width(item.name, kLegendCharWidth);
    if (x > 0 && x + item_width > width) {
      x = 0;
      ++row;
    }
    placement.positions.emplace_back(x, row);
    x += item_width + kLegendItemGap;
  }
  placement.rows = series.empty() ? 0 : row + 1;
  return placement;
}

void append_marker(std::string& out, MarkerShape shape, double x, double y,
                   std::string_view colour) {
  const double r = kMarkerRadius;
  switch (shape) {
    case MarkerShape::circle:
      fmt::format_to(std::back_inserter(out), R"(<circle cx="{}" cy="{}" r="{}" fill="{}")", num(x),
                     num(y), num(r), colour);
      break;
    case MarkerShape::square:
      fmt::format_to(std::back_inserter(out),
                     R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}")", num(x - r * 0.9),
                     num(y - r * 0.9), num(r * 1.8), num(r * 1.8), colour);
      break;
    case MarkerShape::triangle:
      fmt::format_to(std::back_inserter(out), R"(<path d="M{} {}L{} {}L{} {}Z" fill="{}")", num(x),
                     num(y - r * 1.2), num(x + r * 1.1), num(y + r * 0.8), num(x - r * 1.1),
                     num(y + r * 0.8), colour);
      break;
    case MarkerShape::diamond:
      fmt::format_to(std::back_inserter(out), R"(<path d="M{} {}L{} {}L{} {}L{} {}Z" fill="{}")",
                     num(x), num(y - r * 1.25), num(x + r * 1.25), num(y), num(x),
                     num(y + r * 1.25), num(x - r * 1.25), num(y), colour);
      break;
  }
  out += R"( stroke="#ffffff" stroke-width="1")";
}

/// The value shown for x in a marker's tooltip: the tick label on a categorical axis.
std::string x_value_text(const LineChart& chart, double x) {
  for (const Tick& tick : chart.x_ticks) {
    if (tick.value == x) return tick.label;
  }
  return fmt::format("{:.4g}", x);
}

bool show_markers(const LineChart& chart, std::size_t point_count) {
  switch (chart.markers) {
    case Markers::always:
      return true;
    case Markers::never:
      return point_count == 1;
    case Markers::automatic:
      return point_count <= kAutoMarkerMaxPoints;
  }
  return true;
}

void append_series(std::string& out, const LineChart& chart, const Series& series,
                   const Scale& x_scale, const Scale& y_scale) {
  std::vector<Point> points;
  for (const Point& point : series.points) {
    if (drawable(point, chart.log_y)) points.push_back(point);
  }
  if (points.empty()) return;
  const std::string_view colour = colour_of(series);
  const std::string name = xml_escape(series.name);
  fmt::format_to(std::back_inserter(out), "<g class=\"series\"><title>{}</title>\n", name);
  if (points.size() > 1) {
    out += R"(<polyline fill="none" stroke-width="2" stroke-linejoin="round" points=")";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i > 0) out += ' ';
      fmt::format_to(std::back_inserter(out), "{},{}", num(x_scale(points[i].x)),
                     num(y_scale(points[i].y)));
    }
    fmt::format_to(std::back_inserter(out), R"(" stroke="{}")", colour);
    const std::string_view dash = dash_array(series.dash);
    if (!dash.empty()) fmt::format_to(std::back_inserter(out), R"( stroke-dasharray="{}")", dash);
    out += "/>\n";
  }
  if (show_markers(chart, points.size())) {
    for (const Point& point : points) {
      append_marker(out, series.marker, x_scale(point.x), y_scale(point.y), colour);
      fmt::format_to(std::back_inserter(out), "><title>{}: {}, {:.4g}</title></{}>\n", name,
                     xml_escape(x_value_text(chart, point.x)), point.y,
                     series.marker == MarkerShape::circle   ? "circle"
                     : series.marker == MarkerShape::square ? "rect"
                                                            : "path");
    }
  }
  out += "</g>\n";
}

void append_legend_item(std::string& out, const Series& series, double x, double y) {
  const std::string_view colour = colour_of(series);
  fmt::format_to(std::back_inserter(out),
                 R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2")", num(x),
                 num(y), num(x + kLegendSwatchWidth - 8), num(y), colour);
  const std::string_view dash = dash_array(series.dash);
  if (!dash.empty()) fmt::format_to(std::back_inserter(out), R"( stroke-dasharray="{}")", dash);
  out += "/>";
  append_marker(out, series.marker, x + (kLegendSwatchWidth - 8) / 2, y, colour);
  out += "/>";
  fmt::format_to(std::back_inserter(out),
                 R"(<text x="{}" y="{}" dominant-baseline="central">{}</text>)",
                 num(x + kLegendSwatchWidth - 3), num(y), xml_escape(series.name));
  out += "\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high, int max_ticks) {
  if (!std::isfinite(low) || !std::isfinite(high)) {
    low = 0;
    high = 1;
  }
  if (high < low) std::swap(low, high);
  if (high == low) {
    if (low == 0) {
      high = 1;
    } else {
      const double delta = std::abs(low) * 0.1;
      low -= delta;
      high += delta;
    }
  }
  max_ticks = std::max(max_ticks, 2);
  const double raw_step = (high - low) / (max_ticks - 1);
  const double base = std::pow(10.0, std::floor(std::log10(raw_step)));
  constexpr double kSlack = 1e-9;  // 0.3 / 0.1 must count as 3, not 2.9999999999999996
  double multiple = 1;
  double first = 0;
  double last = 0;
  for (const double candidate : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0}) {
    multiple = candidate;
    const double step = multiple * base;
    first = std::floor(low / step + kSlack);
    last = std::ceil(high / step - kSlack);
    if (last - first + 1 <= max_ticks) break;
  }
  // i * multiple / 10^k rather than i * 0.1: 32 / 10 is the double nearest 3.2, 32 * 0.1 is not.
  const double inverse_base = base < 1 ? std::round(1 / base) : 0;
  std::vector<double> ticks;
  for (double i = first; i <= last; i += 1) {
    const double value = base < 1 ? i * multiple / inverse_base : i * multiple * base;
    ticks.push_back(value == 0 ? 0.0 : value);  // no -0
  }
  return ticks;
}

std::vector<double> log_ticks(double low, double high) {
  if (!(low > 0) || !std::isfinite(low)) low = 1;
  if (!(high > 0) || !std::isfinite(high)) high = low;
  if (high < low) std::swap(low, high);
  constexpr double kSlack = 1e-9;
  const int first = static_cast<int>(std::floor(std::log10(low) + kSlack));
  int last = static_cast<int>(std::ceil(std::log10(high) - kSlack));
  if (last <= first) last = first + 1;
  const bool with_steps = last - first <= 3;
  std::vector<double> ticks;
  for (int exponent = first; exponent <= last; ++exponent) {
    const double decade = exponent < 0 ? 1 / std::pow(10.0, -exponent) : std::pow(10.0, exponent);
    ticks.push_back(decade);
    if (with_steps && exponent < last) {
      ticks.push_back(2 * decade);
      ticks.push_back(5 * decade);
    }
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  step = std::abs(step);
  if (!std::isfinite(value)) return "-";
  if (step > 0 && std::abs(value) < step * 1e-9) return "0";
  if (value == 0) return "0";
  double scaled = value;
  double scaled_step = step;
  std::string_view suffix;
  if (step >= 1000 && std::abs(value) >= 1000) {
    scaled /= 1000;
    scaled_step /= 1000;
    suffix = "k";
  }
  int decimals = 0;
  while (decimals < 6 && scaled_step > 0) {
    const double shifted = scaled_step * std::pow(10.0, decimals);
    if (std::abs(shifted - std::round(shifted)) < 1e-6 * std::max(1.0, shifted)) break;
    ++decimals;
  }
  return fmt::format("{:.{}f}{}", scaled, decimals, suffix);
}

std::string render_line_chart(const LineChart& chart) {
  const Extent extent = data_extent(chart);
  const Axis y = y_axis(chart, extent);
  std::size_t widest_y_label = 1;
  for (const Tick& tick : y.ticks) widest_y_label = std::max(widest_y_label, tick.label.size());
  const double plot_left =
      24 + static_cast<double>(widest_y_label) * kTickCharWidth + 8;  // y label, ticks, gap
  const double width = std::max(chart.width, 200);
  const double plot_right = width - kRightMargin;
  const double plot_top = kPlotTop;
  const double plot_bottom = plot_top + std::max(chart.plot_height, 60);
  const Axis x = x_axis(chart, extent, plot_right - plot_left);

  const LegendPlacement legend = place_legend(chart.series, plot_right - plot_left);
  const double legend_top = plot_bottom + kXAxisHeight + kLegendGap;
  const double height =
      legend_top + legend.rows * kLegendRowHeight + (legend.rows > 0 ? 4.0 : -kLegendGap);

  const Scale x_scale{x.low, x.high, plot_left, plot_right, false};
  const Scale y_scale{y.low, y.high, plot_bottom, plot_top, chart.log_y};

  std::string out;
  const std::string title = xml_escape(chart.title);
  fmt::format_to(std::back_inserter(out),
                 R"(<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" )"
                 R"(font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" )"
                 R"(font-size="12" fill="{text}">)"
                 "\n<title>{title}</title>\n",
                 fmt::arg("w", num(width)), fmt::arg("h", num(height)),
                 fmt::arg("text", kTextColour), fmt::arg("title", title));
  fmt::format_to(std::back_inserter(out),
                 R"(<text class="chart-title" x="{}" y="{}" font-size="14" font-weight="600">)"
                 "{}</text>\n",
                 num(plot_left), num(kTitleBaseline), title);

  // Grid and ticks.
  out += "<g class=\"grid\">\n";
  for (const Tick& tick : y.ticks) {
    const double py = y_scale(tick.value);
    fmt::format_to(std::back_inserter(out),
                   R"(<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="{}"/>)"
                   R"(<text x="{}" y="{py}" text-anchor="end" dominant-baseline="central" )"
                   R"(font-size="11" fill="{}">{}</text>)"
                   "\n",
                   num(plot_left), num(plot_right), kGridColour, num(plot_left - 6),
                   kTickTextColour, xml_escape(tick.label), fmt::arg("py", num(py)));
  }
  for (const Tick& tick : x.ticks) {
    const double px = x_scale(tick.value);
    fmt::format_to(
        std::back_inserter(out),
        R"(<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{}" stroke-opacity="0.6"/>)"
        R"(<text x="{px}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>)"
        "\n",
        num(plot_top), num(plot_bottom), kGridColour, num(plot_bottom + 16), kTickTextColour,
        xml_escape(tick.label), fmt::arg("px", num(px)));
  }
  out += "</g>\n";
  fmt::format_to(std::back_inserter(out),
                 R"(<path d="M{l} {t}V{b}H{r}" fill="none" stroke="{}" stroke-width="1"/>)"
                 "\n",
                 kAxisColour, fmt::arg("l", num(plot_left)), fmt::arg("t", num(plot_top)),
                 fmt::arg("b", num(plot_bottom)), fmt::arg("r", num(plot_right)));

  // Axis labels.
  fmt::format_to(std::back_inserter(out),
                 R"(<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>)"
                 "\n",
                 num((plot_left + plot_right) / 2), num(plot_bottom + 36), kTickTextColour,
                 xml_escape(chart.x_label));
  const std::string y_label = chart.log_y ? chart.y_label + " (log scale)" : chart.y_label;
  const double y_middle = (plot_top + plot_bottom) / 2;
  fmt::format_to(std::back_inserter(out),
                 R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" )svg"
                 R"(dominant-baseline="central" fill="{}">{}</text>)"
                 "\n",
                 num(y_middle), kTickTextColour, xml_escape(y_label));

  if (extent.empty) {
    fmt::format_to(std::back_inserter(out),
                   R"(<text x="{}" y="{}" text-anchor="middle" fill="{}">no data</text>)"
                   "\n",
                   num((plot_left + plot_right) / 2), num(y_middle), kTickTextColour);
  }
  for (const Series& series : chart.series) append_series(out, chart, series, x_scale, y_scale);

  if (legend.rows > 0) {
    out += "<g class=\"legend\">\n";
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
      const auto [item_x, row] = legend.positions[i];
      append_legend_item(out, chart.series[i], plot_left + item_x,
                         legend_top + (row + 0.5) * kLegendRowHeight);
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace llmpace::report::svg
