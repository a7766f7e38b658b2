#include "llmpace/report/progress_line.hpp"

#include <catch2/catch.hpp>
#include <string>

using llmpace::metrics::ProgressSnapshot;
using llmpace::report::format_progress_line;
using llmpace::report::kProgressLineWidth;

namespace {

constexpr std::string_view kLabel = "[3/10] constant 12.5 req/s";

/// 150 ok, 4 in flight and 2 errors after 12.34 s, with both medians known; no limits.
ProgressSnapshot running() {
  ProgressSnapshot snapshot;
  snapshot.elapsed_s = 12.34;
  snapshot.started = 156;
  snapshot.successful = 150;
  snapshot.in_flight = 4;
  snapshot.errored = 2;
  snapshot.ttft_p50_ms = 51.23;
  snapshot.itl_p50_ms = 10.08;
  snapshot.successful_per_s = 12.16;
  return snapshot;
}

/// The line without a label: its fields only.
std::string fields_of(const ProgressSnapshot& snapshot) {
  return format_progress_line("", snapshot);
}

/// The text of `line` between `before` and the next " | " or ", " (or the end).
std::string after(const std::string& line, std::string_view before) {
  const auto begin = line.find(before);
  REQUIRE(begin != std::string::npos);
  const auto start = begin + before.size();
  const auto end = std::min(line.find(" | ", start), line.find(", ", start));
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TEST_CASE("progress line: time limit", "[progress]") {
  auto snapshot = running();
  snapshot.max_seconds = 30;
  CHECK(format_progress_line(kLabel, snapshot) ==
        "[3/10] constant 12.5 req/s | 12.3 s / 30 s | 150 ok, 4 in flight, 2 err | 12.2 req/s | "
        "p50 TTFT 51.2 ms, ITL 10.1 ms");
  snapshot.max_seconds = 2.5;
  CHECK(after(fields_of(snapshot), "12.3 s / ") == "2.5 s");
}

TEST_CASE("progress line: request limit counts finished requests", "[progress]") {
  auto snapshot = running();
  snapshot.max_requests = 1000;
  snapshot.successful = 148;  // + 2 errored
  CHECK(format_progress_line(kLabel, snapshot) ==
        "[3/10] constant 12.5 req/s | 150 / 1000 req | 148 ok, 4 in flight, 2 err | 12.2 req/s | "
        "p50 TTFT 51.2 ms, ITL 10.1 ms");
}

TEST_CASE("progress line: both limits", "[progress]") {
  auto snapshot = running();
  snapshot.max_seconds = 30;
  snapshot.max_requests = 1000;
  CHECK(fields_of(snapshot) ==
        "12.3 s / 30 s, 152 / 1000 req | 150 ok, 4 in flight, 2 err | 12.2 req/s | "
        "p50 TTFT 51.2 ms, ITL 10.1 ms");
}

TEST_CASE("progress line: no limit shows the elapsed time alone", "[progress]") {
  CHECK(fields_of(running()) ==
        "12.3 s | 150 ok, 4 in flight, 2 err | 12.2 req/s | p50 TTFT 51.2 ms, ITL 10.1 ms");
}

TEST_CASE("progress line: absent medians print a dash", "[progress]") {
  ProgressSnapshot snapshot;  // just started: nothing finished yet
  snapshot.elapsed_s = 0.04;
  snapshot.max_seconds = 60;
  snapshot.started = 8;
  snapshot.in_flight = 8;
  CHECK(format_progress_line("[1/1] concurrent 8 streams", snapshot) ==
        "[1/1] concurrent 8 streams | 0.0 s / 60 s | 0 ok, 8 in flight, 0 err | 0.0 req/s | "
        "p50 TTFT -, ITL -");
  snapshot.ttft_p50_ms = 48.0;
  CHECK(fields_of(snapshot) ==
        "0.0 s / 60 s | 0 ok, 8 in flight, 0 err | 0.0 req/s | p50 TTFT 48.0 ms, ITL -");
}

TEST_CASE("progress line: dropped shown only when some were", "[progress]") {
  auto snapshot = running();
  CHECK(fields_of(snapshot).find("dropped") == std::string::npos);
  snapshot.dropped = 7;
  CHECK(fields_of(snapshot) ==
        "12.3 s | 150 ok, 4 in flight, 2 err, 7 dropped | 12.2 req/s | "
        "p50 TTFT 51.2 ms, ITL 10.1 ms");
}

TEST_CASE("progress line: latencies keep three significant digits", "[progress]") {
  const auto ttft = [](double ms) {
    auto snapshot = running();
    snapshot.ttft_p50_ms = ms;
    return after(fields_of(snapshot), "TTFT ");
  };
  CHECK(ttft(0.5123) == "0.51 ms");
  CHECK(ttft(5.126) == "5.13 ms");
  CHECK(ttft(51.23) == "51.2 ms");
  CHECK(ttft(512.4) == "512 ms");
  CHECK(ttft(999.4) == "999 ms");
  CHECK(ttft(999.6) == "1.00 s");
  CHECK(ttft(1234.5) == "1.23 s");
  CHECK(ttft(12345.0) == "12.3 s");
  CHECK(ttft(99999.0) == "100 s");
  CHECK(ttft(1234567.0) == "1235 s");
}

TEST_CASE("progress line: large counts keep three digits rounded down", "[progress]") {
  const auto ok = [](std::uint64_t successful) {
    auto snapshot = running();
    snapshot.successful = successful;
    return after(fields_of(snapshot), "12.3 s | ");
  };
  CHECK(ok(0) == "0 ok");
  CHECK(ok(99'999) == "99999 ok");
  CHECK(ok(100'000) == "100k ok");
  CHECK(ok(999'999) == "999k ok");
  CHECK(ok(1'000'000) == "1.00M ok");
  CHECK(ok(1'239'999) == "1.23M ok");
  CHECK(ok(12'345'678) == "12.3M ok");
  CHECK(ok(999'999'999) == "999M ok");
  CHECK(ok(18'446'744'073'709'551'615ULL) == "18.4E ok");
}

TEST_CASE("progress line: large values fit 120 columns", "[progress]") {
  ProgressSnapshot snapshot;
  snapshot.elapsed_s = 3599.9;
  snapshot.max_requests = 1'000'000;
  snapshot.started = 999'999;
  snapshot.successful = 998'765;
  snapshot.errored = 1'234;
  snapshot.in_flight = 512;
  snapshot.ttft_p50_ms = 99'999;
  snapshot.itl_p50_ms = 99'999;
  snapshot.successful_per_s = 277.4;

  // The label is shortened after a whole word.
  const std::string requests_only = format_progress_line("[10/10] poisson 277 req/s", snapshot);
  CHECK(requests_only ==
        "[10/10] poisson 277... | 999k / 1.00M req | 998k ok, 512 in flight, 1234 err | "
        "277.4 req/s | p50 TTFT 100 s, ITL 100 s");
  CHECK(requests_only.size() <= kProgressLineWidth);

  // Both limits and drops on top: req/s and the medians give way, every number shown is whole.
  snapshot.max_seconds = 3600;
  snapshot.dropped = 99'999;
  const std::string everything = format_progress_line("[10/10] poisson 277 req/s", snapshot);
  CHECK(everything ==
        "[10/10] poisson 277 req/s | 3599.9 s / 3600 s, 999k / 1.00M req | 998k ok, "
        "512 in flight, 1234 err, 99999 dropped");
  CHECK(everything.size() <= kProgressLineWidth);
}

TEST_CASE("progress line: a long label is shortened to fit", "[progress]") {
  const std::string label(200, 'x');
  const std::string line = format_progress_line(label, running());
  CHECK(line.size() == kProgressLineWidth);
  const std::string fields = fields_of(running());
  CHECK(line == std::string(kProgressLineWidth - fields.size() - 6, 'x') + "... | " + fields);
}

TEST_CASE("progress line: whole fields give way when the label cannot", "[progress]") {
  auto snapshot = running();
  snapshot.max_seconds = 1e12;
  snapshot.elapsed_s = 1e11;
  snapshot.successful_per_s = 1e11;
  snapshot.ttft_p50_ms = 1e17;
  const std::string line = format_progress_line(std::string(50, 'x'), snapshot);
  CHECK(line ==
        "xxxxxxxxx... | 100000000000.0 s / 1000000000000 s | 150 ok, 4 in flight, 2 err | "
        "p50 TTFT 100000000000000 s, ITL 10.1 ms");
  CHECK(line.size() <= kProgressLineWidth);
}

TEST_CASE("progress line: the width holds whatever the values", "[progress]") {
  ProgressSnapshot snapshot;
  snapshot.elapsed_s = 1e300;
  snapshot.max_seconds = 1e300;
  const std::string line = format_progress_line("[1/1]", snapshot);
  CHECK(line.size() == kProgressLineWidth);
  CHECK(line.rfind("[1/1] | 1000000000", 0) == 0);  // never scientific notation
}
