// svg_chart: nice and log ticks, tick labels, escaping, and the structure of a rendered chart
// (series, markers, legend, log axis, empty chart).
#include "llmpace/report/svg_chart.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "unit/report/text_checks.hpp"

namespace svg = llmpace::report::svg;

using llmpace::test::contains;
using llmpace::test::count_of;

namespace {

svg::LineChart two_series_chart() {
  svg::LineChart chart;
  chart.title = "TTFT vs rate";
  chart.x_label = "req/s";
  chart.y_label = "ms";
  chart.series = {
      {.name = "p50", .points = {{1, 50}, {2, 55}, {4, 80}}, .color = 0},
      {.name = "p99",
       .points = {{1, 70}, {2, 90}, {4, 160}},
       .color = 1,
       .dash = svg::Dash::dashed,
       .marker = svg::MarkerShape::square},
  };
  return chart;
}

}  // namespace

TEST_CASE("svg: nice ticks cover the range with round steps", "[svg]") {
  CHECK(svg::nice_ticks(0, 10, 6) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(svg::nice_ticks(0, 163, 6) == std::vector<double>{0, 50, 100, 150, 200});
  CHECK(svg::nice_ticks(3.2, 3.9, 8) ==
        std::vector<double>{3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9});
  const auto small = svg::nice_ticks(0.013, 0.071, 5);
  REQUIRE(small.size() >= 2);
  CHECK(small.front() <= 0.013);
  CHECK(small.back() >= 0.071);
  CHECK(small.size() <= 5);
}

TEST_CASE("svg: nice ticks of a degenerate or invalid range", "[svg]") {
  const auto single = svg::nice_ticks(4, 4, 5);
  REQUIRE(single.size() >= 2);
  CHECK(single.front() < 4);
  CHECK(single.back() > 4);
  CHECK(svg::nice_ticks(0, 0, 5) == std::vector<double>{0, 0.5, 1});
  const auto nan = svg::nice_ticks(std::nan(""), 1, 5);
  CHECK(nan.front() == 0);
  CHECK(nan.back() == 1);
  // No "-0" from rounding a negative multiple to zero.
  for (double tick : svg::nice_ticks(-1, 1, 5)) CHECK_FALSE((std::signbit(tick) && tick == 0));
}

TEST_CASE("svg: log ticks", "[svg]") {
  CHECK(svg::log_ticks(3, 700) == std::vector<double>{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000});
  CHECK(svg::log_ticks(0.5, 20000) == std::vector<double>{0.1, 1, 10, 100, 1000, 10000, 100000});
  CHECK(svg::log_ticks(10, 10) == std::vector<double>{10, 20, 50, 100});
}

TEST_CASE("svg: tick labels", "[svg]") {
  CHECK(svg::format_tick(0, 0.5) == "0");
  CHECK(svg::format_tick(2.5, 0.5) == "2.5");
  CHECK(svg::format_tick(150, 50) == "150");
  CHECK(svg::format_tick(0.02, 0.01) == "0.02");
  CHECK(svg::format_tick(12000, 2000) == "12k");
  CHECK(svg::format_tick(1500, 500) == "1500");
  CHECK(svg::format_tick(1e-17, 0.1) == "0");
  CHECK(svg::format_tick(0.1, 0.1) == "0.1");
}

TEST_CASE("svg: escaping", "[svg]") {
  CHECK(svg::xml_escape(R"(<script>&"')") == "&lt;script&gt;&amp;&quot;&#39;");
  CHECK(svg::xml_escape("plain") == "plain");

  svg::LineChart chart = two_series_chart();
  chart.title = "<b>&title";
  chart.series[0].name = "run \"a\" <1>";
  const std::string out = svg::render_line_chart(chart);
  CHECK(contains(out, "&lt;b&gt;&amp;title"));
  CHECK(contains(out, "run &quot;a&quot; &lt;1&gt;"));
  CHECK_FALSE(contains(out, "<b>"));
  CHECK_FALSE(contains(out, "<1>"));
}

TEST_CASE("svg: a chart with two series", "[svg]") {
  const std::string out = svg::render_line_chart(two_series_chart());
  CHECK(out.rfind("<svg ", 0) == 0);
  CHECK(count_of(out, "<svg") == 1);
  CHECK(count_of(out, "</svg>") == 1);
  CHECK(contains(out, "<title>TTFT vs rate</title>"));
  CHECK(contains(out, ">req/s</text>"));
  CHECK(contains(out, ">ms</text>"));
  CHECK(count_of(out, "<polyline") == 2);
  CHECK(contains(out, std::string("stroke=\"") + std::string(svg::kPalette[0]) + "\""));
  CHECK(contains(out, std::string("stroke=\"") + std::string(svg::kPalette[1]) + "\""));
  CHECK(contains(out, "stroke-dasharray"));
  // Markers with tooltips on the 3 points of each series, and one in each legend item.
  CHECK(count_of(out, "<circle") == 3 + 1);
  CHECK(count_of(out, "<rect") == 3 + 1);
  CHECK(contains(out, "<title>p99: 4, 160</title>"));
  CHECK(contains(out, "class=\"legend\""));
  // Inline SVG for an HTML page: nothing external, not even the namespace URL.
  CHECK_FALSE(contains(out, "http"));
  CHECK_FALSE(contains(out, "url("));
  CHECK_FALSE(contains(out, "<script"));
  CHECK_FALSE(contains(out, "no data"));
}

TEST_CASE("svg: a single point is drawn as a marker", "[svg]") {
  svg::LineChart chart;
  chart.title = "one";
  chart.markers = svg::Markers::never;
  chart.x_from_zero = true;
  chart.series = {{.name = "only", .points = {{3.9, 52.0}}}};
  const std::string out = svg::render_line_chart(chart);
  CHECK(count_of(out, "<polyline") == 0);
  CHECK(count_of(out, "<circle") == 2);  // the point and the legend
  CHECK(contains(out, "<title>only: 3.9, 52</title>"));
}

TEST_CASE("svg: many points get no markers automatically", "[svg]") {
  svg::LineChart chart;
  chart.series.push_back({.name = "long", .points = {}});
  for (int i = 0; i < 100; ++i) chart.series[0].points.push_back({double(i), double(i % 7)});
  const std::string out = svg::render_line_chart(chart);
  CHECK(count_of(out, "<polyline") == 1);
  CHECK(count_of(out, "<circle") == 1);  // the legend's
}

TEST_CASE("svg: log y axis leaves out points it cannot draw", "[svg]") {
  svg::LineChart chart;
  chart.log_y = true;
  chart.y_label = "ms";
  chart.series = {{.name = "s", .points = {{1, 0}, {2, 10}, {3, std::nan("")}, {4, 1000}}}};
  const std::string out = svg::render_line_chart(chart);
  CHECK(contains(out, "ms (log scale)"));
  CHECK(count_of(out, "<circle") == 2 + 1);
  CHECK(contains(out, ">1k<"));
  CHECK(contains(out, ">10<"));
}

TEST_CASE("svg: categorical x ticks", "[svg]") {
  svg::LineChart chart;
  chart.x_ticks = {{0, "p0.1"}, {1, "p50"}, {2, "p99.9"}};
  chart.series = {{.name = "latency", .points = {{0, 10}, {1, 20}, {2, 90}}}};
  const std::string out = svg::render_line_chart(chart);
  CHECK(contains(out, ">p0.1</text>"));
  CHECK(contains(out, ">p99.9</text>"));
  CHECK(contains(out, "<title>latency: p50, 20</title>"));
}

TEST_CASE("svg: an empty chart says so", "[svg]") {
  svg::LineChart chart;
  chart.title = "nothing";
  chart.series = {{.name = "empty", .points = {}}};
  const std::string out = svg::render_line_chart(chart);
  CHECK(contains(out, "no data"));
  CHECK(count_of(out, "<svg") == 1);
  CHECK(count_of(out, "<polyline") == 0);
}

TEST_CASE("svg: the legend wraps into rows and grows the chart", "[svg]") {
  svg::LineChart few;
  few.series = {{.name = "a", .points = {{0, 1}, {1, 2}}}};
  svg::LineChart many = few;
  for (int i = 0; i < 20; ++i) {
    many.series.push_back({.name = "a rather long series name " + std::to_string(i),
                           .points = {{0, 1}, {1, 2}},
                           .color = static_cast<std::size_t>(i)});
  }
  const auto height_of = [](const std::string& out) {
    const auto at = out.find("height=\"") + 8;
    return std::stod(out.substr(at, out.find('"', at) - at));
  };
  CHECK(height_of(svg::render_line_chart(many)) > height_of(svg::render_line_chart(few)) + 100);
}
