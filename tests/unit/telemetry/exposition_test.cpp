// parse_exposition() on the fixtures of tests/data/prometheus: one per category of the OpenMetrics
// parser suite (OpenObservability/OpenMetrics tests/testdata/parsers) and of Prometheus's text
// parser tests (model/textparse), written for llmpace, each with our verdict; and bodies shaped as
// vLLM, llama.cpp and dcgm-exporter serve them.
//
// The bad_*.txt fixtures carry their verdicts: a line "# skip: TEXT" announces that the next line
// is skipped with a reason containing TEXT, and nothing else may be skipped.
//
// Where we are deliberately more lenient than OpenMetrics (a missing "# EOF", blank lines, family
// order and grouping, counter and bucket values, metadata repeated or after samples, exemplars on
// any type, trailing blanks, labels without commas) the test says so; where we are stricter (a NUL
// byte in a sample line refuses the body; a timestamp beyond an int64 of ms skips its line) too.
#include "llmpace/telemetry/exposition.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::telemetry {
namespace {

std::string read_fixture(const std::string& name) {
  const std::string path = std::string(LLMPACE_TEST_DATA_DIR) + "/prometheus/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Exposition parse_fixture(const std::string& name) { return parse_exposition(read_fixture(name)); }

/// The samples called `name` whose label `key` is `value` (every sample called `name` when `key`
/// is empty).
std::vector<const Sample*> find(const Exposition& exposition, std::string_view name,
                                std::string_view key = {}, std::string_view value = {}) {
  std::vector<const Sample*> found;
  for (const Sample& sample : exposition.samples) {
    if (sample.name != name) continue;
    if (!key.empty() && sample.label(key) != value) continue;
    found.push_back(&sample);
  }
  return found;
}

/// The one sample called `name` (with label key=value); fails the test when there is not exactly
/// one.
const Sample& one(const Exposition& exposition, std::string_view name, std::string_view key = {},
                  std::string_view value = {}) {
  const std::vector<const Sample*> found = find(exposition, name, key, value);
  INFO("sample " << name << " " << key << "=" << value);
  REQUIRE(found.size() == 1);
  return *found.front();
}

std::vector<std::size_t> skipped_line_numbers(const Exposition& exposition) {
  std::vector<std::size_t> numbers;
  for (const SkippedLine& line : exposition.skipped) numbers.push_back(line.line_number);
  return numbers;
}

const Family& family(const Exposition& exposition, std::string_view name) {
  for (const Family& candidate : exposition.families) {
    if (candidate.name == name) return candidate;
  }
  FAIL("no family " << name);
  throw std::logic_error("unreachable");
}

struct Announced {
  std::size_t line_number;
  std::string reason_part;
};

/// The skips a fixture announces with "# skip: TEXT" lines.
std::vector<Announced> announced_skips(const std::string& text) {
  std::vector<Announced> announced;
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    constexpr std::string_view kMark = "# skip: ";
    if (line.rfind(kMark, 0) == 0) announced.push_back({number + 1, line.substr(kMark.size())});
  }
  return announced;
}

TEST_CASE("counters: OpenMetrics and 0.0.4 family names, without _total, _created, 2^63",
          "[exposition]") {
  const Exposition e = parse_fixture("counters.txt");
  CHECK(e.skipped.empty());
  CHECK_FALSE(e.openmetrics);
  REQUIRE(e.samples.size() == 6);
  CHECK(one(e, "http_requests_total", "code", "200").value == 1027);
  CHECK(one(e, "http_requests_total", "code", "500").value == 3);
  CHECK(one(e, "http_requests_created").value == 1.7e9);
  CHECK(one(e, "vllm:num_preemptions_total").value == 12.0);
  CHECK(one(e, "jobs_done").value == 7);
  CHECK(one(e, "big_total").value == 9223372036854775808.0);
  // The family of each: OpenMetrics' "http_requests" owns http_requests_total and _created; a
  // 0.0.4 family is named with its _total; a counter without _total is its own family.
  CHECK(e.family_of(one(e, "http_requests_total", "code", "200"))->name == "http_requests");
  CHECK(e.family_of(one(e, "http_requests_created"))->name == "http_requests");
  CHECK(e.family_of(one(e, "vllm:num_preemptions_total"))->name == "vllm:num_preemptions_total");
  CHECK(e.family_of(one(e, "jobs_done"))->type == MetricType::counter);
  CHECK(family(e, "http_requests").help == "Requests served.");
  CHECK(e.families.size() == 4);
}

TEST_CASE("gauges: decimal and exponent forms, leading zeros, no TYPE line", "[exposition]") {
  const Exposition e = parse_fixture("gauges.txt");
  CHECK(e.skipped.empty());
  CHECK(one(e, "temperature_celsius", "sensor", "a").value == 21.5);
  CHECK(one(e, "temperature_celsius", "sensor", "b").value == -3);
  CHECK(one(e, "temperature_celsius", "sensor", "c").value == 1.2e-1);
  CHECK(one(e, "temperature_celsius", "sensor", "d").value == 1.23457e+06);
  CHECK(one(e, "temperature_celsius", "sensor", "e").value == 4.9351e-05);
  const Sample& floating = one(e, "free_floating");
  CHECK(floating.value == 42);
  CHECK(e.family_of(floating) == nullptr);
  CHECK(e.family_of(one(e, "temperature_celsius", "sensor", "a"))->type == MetricType::gauge);
}

TEST_CASE("histogram: buckets with le anywhere in the label set, _sum and _count", "[exposition]") {
  const Exposition e = parse_fixture("histogram.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 11);
  const std::vector<const Sample*> buckets = find(e, "rpc_duration_seconds_bucket", "service", "a");
  REQUIRE(buckets.size() == 5);
  CHECK(buckets[0]->label("le") == "-1.0");
  CHECK(buckets[2]->label("le") == "1e-02");
  CHECK(buckets[4]->label("le") == "+Inf");
  CHECK(buckets[4]->value == 10);
  CHECK(buckets[4]->labels == std::vector<Label>{{"service", "a"}, {"le", "+Inf"}});
  CHECK(one(e, "rpc_duration_seconds_sum", "service", "a").value == 4.75);
  CHECK(one(e, "rpc_duration_seconds_count", "service", "b").value == 2);
  CHECK(one(e, "rpc_duration_seconds_bucket", "le", "0.5").labels.front() == Label{"le", "0.5"});
  for (const Sample& sample : e.samples) {
    REQUIRE(e.family_of(sample) != nullptr);
    CHECK(e.family_of(sample)->name == "rpc_duration_seconds");
  }
}

TEST_CASE("summary: quantiles, _sum and _count", "[exposition]") {
  const Exposition e = parse_fixture("summary.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 7);
  CHECK(one(e, "go_gc_duration_seconds", "quantile", "0.5").value == 5.1542e-05);
  CHECK(one(e, "go_gc_duration_seconds", "quantile", "1").value == 0.000218125);
  CHECK(one(e, "go_gc_duration_seconds_count").value == 187);
  CHECK(e.family_of(one(e, "go_gc_duration_seconds_sum"))->type == MetricType::summary);
}

TEST_CASE("special values: every spelling of NaN and the infinities Go reads, underflow is 0",
          "[exposition]") {
  const Exposition e = parse_fixture("special_values.txt");
  CHECK(e.skipped.empty());
  const auto value = [&](std::string_view key) { return one(e, "v", "k", key).value; };
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(std::isnan(value("NaN")));
  CHECK(std::isnan(value("nan")));
  CHECK(value("+Inf") == inf);
  CHECK(value("-Inf") == -inf);
  CHECK(value("Inf") == inf);
  CHECK(value("+inf") == inf);
  CHECK(value("INF") == inf);
  CHECK(value("Infinity") == inf);
  CHECK(value("-infinity") == -inf);
  CHECK(value("1e3") == 1000);
  CHECK(value("1E+05") == 100000);
  CHECK(value(".5") == 0.5);
  CHECK(value("5.") == 5);
  CHECK(value("+1") == 1);
  CHECK(value("-0") == 0);
  CHECK(std::signbit(value("-0")));
  CHECK(value("1e-400") == 0);
}

TEST_CASE("parse_sample_value reads what a value or an le label may hold", "[exposition]") {
  CHECK(parse_sample_value("0.25") == 0.25);
  CHECK(parse_sample_value("+Inf") == std::numeric_limits<double>::infinity());
  CHECK(parse_sample_value("-1e-3") == -0.001);
  CHECK(parse_sample_value("1.259145216e+010") == 12591452160.0);  // prometheus_client's form
  CHECK(std::isnan(*parse_sample_value("NaN")));
  for (const std::string_view bad :
       {"",       "+",    "-",       ".",         "e3", "1e", "0x10", "1_000", "1e400", "-1e400",
        "nan(0)", "+NaN", "infinit", "Infinityy", " 1", "1 ", "1,5",  "--1",   "+-1",   "1e+-3"}) {
    INFO(bad);
    CHECK_FALSE(parse_sample_value(bad).has_value());
  }
}

// No backslash, ';' or '[' in a test name: CTest runs each test by its name as a Catch filter.
TEST_CASE(
    "escaping: backslash, double quote and newline escapes are decoded in label values and HELP, "
    "other escapes kept",
    "[exposition]") {
  const Exposition e = parse_fixture("escaping.txt");
  CHECK(e.skipped.empty());
  CHECK(family(e, "a0").help ==
        "A help text with a backslash \\ a newline \n a \"quote\" and an unknown escape \\z.");
  const auto v = [&](double value) -> std::string {
    for (const Sample& sample : e.samples) {
      if (sample.value == value) return std::string(*sample.label("v"));
    }
    return "<none>";
  };
  CHECK(v(1) == "plain");
  CHECK(v(2) == "back\\slash");
  CHECK(v(3) == "say \"hi\"");
  CHECK(v(4) == "two\nlines");
  CHECK(v(5) == "unknown \\z escape");
  CHECK(v(6) == "ends with backslash \\");
  CHECK(v(7) == "\\n is not a newline");
  CHECK(v(8) == "b{r}a,c=e # not a comment");
  CHECK(v(9).empty());
}

TEST_CASE("timestamps: 0.0.4 integer milliseconds", "[exposition]") {
  const Exposition e = parse_fixture("timestamps_0_0_4.txt");
  CHECK(e.skipped.empty());
  CHECK_FALSE(e.openmetrics);
  CHECK(one(e, "up", "job", "a").timestamp_ms == 1712345678901);
  CHECK(one(e, "up", "job", "b").timestamp_ms == 0);
  CHECK(one(e, "up", "job", "c").timestamp_ms == -1000);
  CHECK_FALSE(one(e, "up", "job", "d").timestamp_ms.has_value());
}

TEST_CASE("timestamps: OpenMetrics seconds become milliseconds", "[exposition]") {
  const Exposition e = parse_fixture("timestamps_openmetrics.txt");
  CHECK(e.skipped.empty());
  CHECK(e.openmetrics);
  CHECK(one(e, "up", "job", "a").timestamp_ms == 1712345678901);
  CHECK(one(e, "up", "job", "b").timestamp_ms == 1712345678000);
  CHECK(one(e, "up", "job", "c").timestamp_ms == 0);
  CHECK(one(e, "up", "job", "d").timestamp_ms == 1500000);
  CHECK(one(e, "up", "job", "e").timestamp_ms == 0);
  CHECK_FALSE(one(e, "up", "job", "f").timestamp_ms.has_value());
}

TEST_CASE("exemplars are read whole and dropped, even where OpenMetrics forbids them",
          "[exposition]") {
  const Exposition e = parse_fixture("exemplars.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 7);
  const Sample& a = one(e, "requests_total", "path", "/a");
  CHECK(a.value == 10);
  CHECK(a.labels.size() == 1);
  CHECK_FALSE(a.timestamp_ms.has_value());
  const Sample& b = one(e, "requests_total", "path", "/b");
  CHECK(b.value == 11);
  CHECK(b.timestamp_ms == 1712345678500);
  CHECK(one(e, "latency_seconds_bucket", "le", "0.1").labels ==
        std::vector<Label>{{"le", "0.1"}, {"tag", "a # b"}});
  CHECK(one(e, "latency_seconds_bucket", "le", "+Inf").value == 9);
  CHECK(one(e, "temperature").value == 20);  // exemplar on a gauge: lenient
}

TEST_CASE("whitespace: CRLF, blank lines, trailing and leading blanks, tabs, spaced label sets",
          "[exposition]") {
  const std::string text = read_fixture("whitespace_crlf.txt");
  REQUIRE(text.find("\r\n") != std::string::npos);
  const Exposition e = parse_exposition(text);
  CHECK(e.skipped.empty());
  CHECK(family(e, "crlf_metric").help == "Lines end in CR LF.");
  CHECK(family(e, "crlf_metric").type == MetricType::gauge);
  REQUIRE(e.samples.size() == 6);
  for (int i = 1; i <= 5; ++i) {
    CHECK(one(e, "crlf_metric", "a", std::to_string(i)).value == i);
  }
  CHECK(one(e, "crlf_metric", "a", "4").labels == std::vector<Label>{{"a", "4"}, {"b", "x"}});
  CHECK(e.samples.back().labels.empty());
  CHECK(e.samples.back().value == 6);
  CHECK(e.samples.back().timestamp_ms == 1712345678901);
}

TEST_CASE("comments are ignored, '#' without a blank makes a comment, HELP may have no text",
          "[exposition]") {
  const Exposition e = parse_fixture("comments.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 2);
  CHECK(family(e, "tab_typed").type == MetricType::gauge);  // "# \tTYPE": Prometheus reads it
  CHECK(family(e, "help_without_text").help.empty());
  CHECK(family(e, "help_without_text").type == MetricType::gauge);
  for (const Family& f : e.families) CHECK(f.name != "no_space_after_hash");
}

TEST_CASE("labels: {}, trailing comma, no comma, colons, UTF-8, quoted names", "[exposition]") {
  const Exposition e = parse_fixture("labels.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 14);
  const auto at = [&](double value) -> const Sample& {
    for (const Sample& sample : e.samples) {
      if (sample.value == value) return sample;
    }
    FAIL("no sample of value " << value);
    throw std::logic_error("unreachable");
  };
  CHECK(at(1).labels.empty());
  CHECK(at(2).labels == std::vector<Label>{{"a", "b"}});
  // No comma between labels: OpenMetrics refuses it; Prometheus's 0.0.4 parser reads it.
  CHECK(at(3).labels == std::vector<Label>{{"a", "b"}, {"c", "d"}});
  CHECK(at(5).label("model_name") == "Mistral-Small-24B-Instruct-2501");
  CHECK(at(6).label("unicode") == "日本語 ☃ émoji 🚀");
  CHECK(at(7).name == "llamacpp:requests_processing");
  CHECK(at(8).name == "vllm:num_requests_running");
  CHECK(at(9).name == "kserve_vllm:num_requests_running");
  CHECK(at(10).name == ":leading_colon");
  CHECK(at(11).name == "_leading_underscore");
  // Prometheus 3's quoted names: {"name", labels} and {"label.name"="v"}.
  CHECK(at(12).name == "quoted.metric.name");
  CHECK(at(12).labels == std::vector<Label>{{"a", "b"}});
  CHECK(at(13).name == "quoted.metric.name");
  CHECK(at(13).labels.empty());
  CHECK(at(14).labels == std::vector<Label>{{"quoted.label", "v"}});
}

TEST_CASE("OpenMetrics: UNIT, info, stateset, gaugehistogram, unknown, # EOF", "[exposition]") {
  const Exposition e = parse_fixture("openmetrics_full.txt");
  CHECK(e.skipped.empty());
  CHECK(e.openmetrics);
  const Family& router = family(e, "acme_http_router_request_seconds");
  CHECK(router.type == MetricType::summary);
  CHECK(router.unit == "seconds");
  CHECK(router.help == "Latency though all of ACME's HTTP request router.");
  CHECK(e.family_of(one(e, "acme_http_router_request_seconds_created"))->name == router.name);
  CHECK(e.family_of(one(e, "go_build_info"))->type == MetricType::info);
  CHECK(e.family_of(one(e, "feature", "feature", "a"))->type == MetricType::stateset);
  CHECK(e.family_of(one(e, "queue_size_gsum"))->type == MetricType::gaugehistogram);
  CHECK(e.family_of(one(e, "queue_size_bucket", "le", "10"))->name == "queue_size");
  CHECK(e.family_of(one(e, "process_cpu_seconds_total"))->unit == "seconds");
  CHECK(family(e, "redis_connected_clients").type == MetricType::unknown);
  CHECK(one(e, "acme_http_router_request_seconds_count").value == 807283.0);
  CHECK(e.families.size() == 6);
}

TEST_CASE("lenient: order, grouping, repeated and late metadata, blank lines, no # EOF",
          "[exposition]") {
  const Exposition e = parse_fixture("lenient_ordering.txt");
  CHECK(e.skipped.empty());  // OpenMetrics would refuse the whole body
  CHECK_FALSE(e.openmetrics);
  CHECK(e.samples.size() == 10);
  CHECK(family(e, "b").help == "Metadata after the sample.");
  CHECK(e.family_of(one(e, "b"))->type == MetricType::gauge);
  CHECK(find(e, "c").size() == 3);
}

TEST_CASE("counter, bucket and summary values OpenMetrics calls invalid are read as written",
          "[exposition]") {
  const Exposition e = parse_fixture("counter_values.txt");
  CHECK(e.skipped.empty());
  REQUIRE(e.samples.size() == 7);
  CHECK(e.samples[0].value == -1);
  CHECK(std::isnan(e.samples[1].value));
  CHECK(one(e, "h_bucket").value == -1);
}

TEST_CASE("bad lines are skipped with their line number and reason, never half-used",
          "[exposition]") {
  const std::string name =
      GENERATE(as<std::string>{}, "bad_values.txt", "bad_labels.txt", "bad_metric_names.txt",
               "bad_timestamps_0_0_4.txt", "bad_timestamps_openmetrics.txt", "bad_metadata.txt",
               "bad_exemplars.txt", "bad_histograms_summaries.txt");
  INFO(name);
  const std::string text = read_fixture(name);
  const std::vector<Announced> announced = announced_skips(text);
  REQUIRE(announced.size() >= 5);
  const Exposition e = parse_exposition(text);
  std::vector<std::size_t> expected;
  for (const Announced& skip : announced) expected.push_back(skip.line_number);
  CHECK(skipped_line_numbers(e) == expected);
  for (std::size_t i = 0; i < std::min(announced.size(), e.skipped.size()); ++i) {
    INFO("line " << e.skipped[i].line_number << ": " << e.skipped[i].reason);
    CHECK(e.skipped[i].reason.find(announced[i].reason_part) != std::string::npos);
    CHECK(e.skipped[i].reason.find('\n') == std::string::npos);
  }
  // Every other sample line gives one sample, and a skipped line none.
  std::size_t sample_lines = 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#') ++sample_lines;
  }
  std::size_t skipped_sample_lines = 0;
  for (const SkippedLine& skipped : e.skipped) {
    std::istringstream again(text);
    for (std::size_t number = 1; std::getline(again, line); ++number) {
      if (number == skipped.line_number && !line.empty() && line[0] != '#') ++skipped_sample_lines;
    }
  }
  CHECK(e.samples.size() == sample_lines - skipped_sample_lines);
  CHECK_FALSE(e.samples.empty());
}

TEST_CASE("bad lines: what the good lines around them read", "[exposition]") {
  SECTION("values") {
    const Exposition e = parse_fixture("bad_values.txt");
    REQUIRE(e.samples.size() == 2);
    CHECK(e.samples[0].value == 1);
    CHECK(e.samples[1].value == 2);
  }
  SECTION("labels: the invalid-UTF-8 ones too") {
    const Exposition e = parse_fixture("bad_labels.txt");
    REQUIRE(e.samples.size() == 2);
    CHECK(e.samples[1].label("ok") == "2");
  }
  SECTION("metadata: the first TYPE and HELP stand") {
    const Exposition e = parse_fixture("bad_metadata.txt");
    CHECK(family(e, "a").type == MetricType::gauge);
    CHECK(family(e, "a").help == "first text");
  }
  SECTION("histograms: le=\"+INF\" is read (Go's ParseFloat reads it; OpenMetrics refuses)") {
    const Exposition e = parse_fixture("bad_histograms_summaries.txt");
    CHECK(one(e, "h_bucket", "le", "+INF").value == 2);
    CHECK(find(e, "h_bucket").size() == 2);
    CHECK(find(e, "s").size() == 1);
  }
}

TEST_CASE("text after # EOF is skipped line by line, # EOFblah is a comment", "[exposition]") {
  const Exposition e = parse_exposition("a 1\n# EOFblah\nb 2\n# EOF\nc 3\n\n# x\n");
  CHECK(e.openmetrics);
  CHECK(e.samples.size() == 2);
  CHECK(skipped_line_numbers(e) == std::vector<std::size_t>{5, 7});
  CHECK(e.skipped[0].reason == "text after \"# EOF\"");
}

TEST_CASE("a body cut off in the middle of a line loses only that line", "[exposition]") {
  const std::string text = read_fixture("vllm_sim_mistral_small_24b.txt");
  const std::size_t cut = text.find("le=\"0.5\"");
  REQUIRE(cut != std::string::npos);
  const Exposition e = parse_exposition(std::string_view(text).substr(0, cut + 5));
  REQUIRE(e.skipped.size() == 1);
  CHECK(e.skipped[0].reason.find("not closed") != std::string::npos);
  CHECK(e.skipped[0].line_number ==
        static_cast<std::size_t>(std::count(text.begin(), text.begin() + cut, '\n')) + 1);
}

TEST_CASE("empty and comment-only bodies are valid, empty expositions", "[exposition]") {
  for (const std::string_view body : {"", "\n", "\r\n\r\n", "   \n\t\n", "# nothing yet\n"}) {
    const Exposition e = parse_exposition(body);
    CHECK(e.samples.empty());
    CHECK(e.families.empty());
    CHECK(e.skipped.empty());
  }
  CHECK(parse_exposition("# EOF\n").openmetrics);
  CHECK(parse_exposition("\xEF\xBB\xBF"
                         "a 1\n")
            .samples.at(0)
            .name == "a");  // a BOM is dropped
}

/// The message of the ExpositionError `body` throws ("" when it throws none).
std::string refusal(std::string_view body) {
  try {
    parse_exposition(body);
  } catch (const ExpositionError& error) {
    return error.what();
  }
  return "";
}

TEST_CASE("a body that is not Prometheus text is refused with what it looks like", "[exposition]") {
  const std::string html = refusal(read_fixture("refused_html.txt"));
  CHECK(html.find("looks like HTML") != std::string::npos);
  CHECK(html.find("<!DOCTYPE html>") != std::string::npos);
  CHECK(refusal("<?xml version=\"1.0\"?><a/>").find("looks like XML") != std::string::npos);
  CHECK(refusal(read_fixture("refused_json.txt")).find("looks like JSON") != std::string::npos);
  CHECK(refusal("[1, 2]").find("looks like JSON") != std::string::npos);
  const std::string plain = refusal(read_fixture("refused_plain_text.txt"));
  CHECK(plain.find("no line of it could be read (line 1: ") != std::string::npos);
  CHECK(plain.find("\"404 page not found\"") != std::string::npos);
  CHECK(refusal(std::string_view("\x1f\x8b\x08\x00\x00\x00", 6)).find("gzip") != std::string::npos);
  // Protobuf-like bytes with NULs: refused as binary, with the line of the first NUL.
  const std::string binary = refusal(std::string_view("\x0a\x0dgo_goroutines\x12\x00\x18\x01", 20));
  CHECK(binary.find("binary data (a NUL byte on line 2)") != std::string::npos);
  // Control bytes without a NUL, no line readable.
  CHECK(refusal("\x01\x02\x03\x04\n\x05\x06").find("looks like binary data") != std::string::npos);
  // One NUL in a sample line among good ones: still refused (Prometheus drops NULs inside label
  // values; no server writes one, and a body holding one is corrupt).
  CHECK(refusal(std::string_view("a 1\nb{x=\"\0\"} 2\n", 14)).find("line 2") != std::string::npos);
  for (const std::string& message : {html, plain, binary}) {
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("a NUL in a HELP text or comment is tolerated (as OpenMetrics' own suite says)",
          "[exposition]") {
  const Exposition e = parse_exposition(std::string_view("# HELP a he\0lp\n# c\0\na 1\n", 23));
  CHECK(e.skipped.empty());
  CHECK(family(e, "a").help == std::string("he\0lp", 5));
  CHECK(e.samples.size() == 1);
}

TEST_CASE("one readable line among garbage makes a body Prometheus text with skipped lines",
          "[exposition]") {
  const Exposition e = parse_exposition("garbage here\nmore garbage\n# TYPE a gauge\n");
  CHECK(e.samples.empty());
  CHECK(e.families.size() == 1);
  CHECK(skipped_line_numbers(e) == std::vector<std::size_t>{1, 2});
}

TEST_CASE("to_string(MetricType) writes the TYPE line's word", "[exposition]") {
  CHECK(to_string(MetricType::counter) == "counter");
  CHECK(to_string(MetricType::gaugehistogram) == "gaugehistogram");
  CHECK(to_string(MetricType::stateset) == "stateset");
  CHECK(to_string(MetricType::unknown) == "unknown");
  CHECK(parse_exposition("# TYPE a untyped\n").families.at(0).type == MetricType::unknown);
}

TEST_CASE("family_of needs the matching type for a suffix, and prefers the sample's own name",
          "[exposition]") {
  Exposition e;
  e.families = {{"a", MetricType::gauge, {}, {}},
                {"h", MetricType::histogram, {}, {}},
                {"h_count", MetricType::gauge, {}, {}},
                {"c", MetricType::counter, {}, {}}};
  const auto of = [&](std::string name) -> std::string {
    Sample sample;
    sample.name = std::move(name);
    const Family* f = e.family_of(sample);
    return f == nullptr ? "-" : f->name;
  };
  CHECK(of("a") == "a");
  CHECK(of("a_total") == "-");  // a gauge has no _total
  CHECK(of("a_bucket") == "-");
  CHECK(of("h_bucket") == "h");
  CHECK(of("h_sum") == "h");
  CHECK(of("h_count") == "h_count");  // its own name first
  CHECK(of("h_total") == "-");
  CHECK(of("c_total") == "c");
  CHECK(of("c_created") == "c");
  CHECK(of("_total") == "-");
}

TEST_CASE("vLLM /metrics from the simulator (mistral-small-24b-bf16-h100, after load)",
          "[exposition]") {
  const Exposition e = parse_fixture("vllm_sim_mistral_small_24b.txt");
  CHECK(e.skipped.empty());
  CHECK(e.samples.size() == 237);
  CHECK(e.families.size() == 19);
  const std::string_view model = "mistralai/Mistral-Small-24B-Instruct-2501";
  CHECK(one(e, "vllm:prompt_tokens_total").label("model_name") == model);
  CHECK(one(e, "vllm:prompt_tokens_total").value == 40960);
  CHECK(one(e, "vllm:request_success_total", "finished_reason", "length").value == 80);
  // Every histogram's +Inf bucket equals its _count.
  std::size_t histograms = 0;
  for (const Family& f : e.families) {
    if (f.type != MetricType::histogram) continue;
    ++histograms;
    const Sample& inf = one(e, f.name + "_bucket", "le", "+Inf");
    CHECK(inf.value == one(e, f.name + "_count").value);
  }
  CHECK(histograms == 10);
  for (const Sample& sample : e.samples) {
    REQUIRE(e.family_of(sample) != nullptr);
    CHECK(sample.label("engine") == "0");
  }
}

TEST_CASE("vLLM /metrics as prometheus_client writes it (python_*, process_*, info gauges)",
          "[exposition]") {
  const Exposition e = parse_fixture("vllm_real_shape.txt");
  CHECK(e.skipped.empty());
  CHECK(one(e, "process_virtual_memory_bytes").value == 12591452160.0);  // "1.259145216e+010"
  CHECK(one(e, "process_start_time_seconds").value == 1.74412218917e+09);
  CHECK(one(e, "vllm:cache_config_info").label("num_gpu_blocks") == "29426");
  CHECK(one(e, "vllm:cache_config_info").labels.size() == 15);
  CHECK(one(e, "vllm:lora_requests_info").label("running_lora_adapters") == "");
  CHECK(one(e, "vllm:num_requests_waiting_by_reason", "reason", "capacity").value == 3);
  CHECK(one(e, "vllm:kv_cache_usage_perc").value == 0.9731);
  CHECK(find(e, "vllm:time_to_first_token_seconds_bucket").size() == 23);
  CHECK(one(e, "vllm:time_to_first_token_seconds_bucket", "le", "0.1").value == 151);
  CHECK(e.family_of(one(e, "vllm:num_preemptions_created"))->type == MetricType::gauge);
  CHECK(one(e, "kserve_vllm:num_requests_running").value == 12);
  CHECK(e.family_of(one(e, "python_gc_objects_collected_total", "generation", "2"))->type ==
        MetricType::counter);
}

TEST_CASE("dcgm-exporter /metrics: the simulator's and a Kubernetes node's", "[exposition]") {
  SECTION("simulator") {
    const Exposition e = parse_fixture("dcgm_sim_h100.txt");
    CHECK(e.skipped.empty());
    CHECK(e.samples.size() == 6);
    CHECK(one(e, "DCGM_FI_DEV_FB_USED").value == 49383);
    CHECK(one(e, "DCGM_FI_DEV_GPU_UTIL").label("modelName") == "NVIDIA H100 80GB HBM3");
    CHECK(one(e, "DCGM_FI_PROF_GR_ENGINE_ACTIVE").value == 0.982907);
  }
  SECTION("two GPUs, one allocated to a pod") {
    const Exposition e = parse_fixture("dcgm_exporter_k8s.txt");
    CHECK(e.skipped.empty());
    CHECK(e.samples.size() == 28);
    CHECK(e.families.size() == 14);
    const Sample& used = one(e, "DCGM_FI_DEV_FB_USED", "gpu", "0");
    CHECK(used.value == 77668);
    CHECK(used.label("pod") == "mistral-predictor-00001-deployment-6f7c9d8b5-x2x7q");
    CHECK_FALSE(one(e, "DCGM_FI_DEV_FB_USED", "gpu", "1").label("pod").has_value());
    CHECK(one(e, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gpu", "0").value == 0.451239);
    CHECK(one(e, "DCGM_FI_DEV_XID_ERRORS", "gpu", "1").label("err_msg") == "No Error");
    CHECK(e.family_of(one(e, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "gpu", "1"))->type ==
          MetricType::counter);
  }
}

TEST_CASE("llama.cpp /metrics: current names, and the 2024 ones with the KV cache",
          "[exposition]") {
  SECTION("current (values as std::ostream prints doubles)") {
    const Exposition e = parse_fixture("llamacpp.txt");
    CHECK(e.skipped.empty());
    CHECK(e.samples.size() == 11);
    CHECK(one(e, "llamacpp:prompt_tokens_total").value == 1.23457e+06);
    CHECK(one(e, "llamacpp:tokens_predicted_total").value == 348690);
    CHECK(one(e, "llamacpp:requests_processing").value == 4);
    CHECK(one(e, "llamacpp:requests_deferred").value == 2);
    CHECK(family(e, "llamacpp:n_busy_slots_per_decode").type == MetricType::counter);
    CHECK(family(e, "llamacpp:prompt_tokens_seconds").help ==
          "Average prompt throughput in tokens/s.");
  }
  SECTION("2024") {
    const Exposition e = parse_fixture("llamacpp_2024.txt");
    CHECK(e.skipped.empty());
    CHECK(e.samples.size() == 10);
    CHECK(one(e, "llamacpp:kv_cache_usage_ratio").value == 0.0457764);
    CHECK(one(e, "llamacpp:kv_cache_tokens").value == 1500);
    CHECK(e.family_of(one(e, "llamacpp:kv_cache_usage_ratio"))->type == MetricType::gauge);
  }
}

}  // namespace
}  // namespace llmpace::telemetry

namespace llmpace::telemetry {
namespace {

// Inputs the fuzz target (tests/fuzz/fuzz_prometheus_text.cpp) found.
TEST_CASE("fuzz regressions: a reason is one line even when a name holds an escaped newline",
          "[exposition]") {
  // A quoted family name decodes "\n" to a newline; the reason once wrote it raw.
  const Exposition e = parse_exposition(
      "a 1\n# TYPE \"b\\n\"\n# TYPE c gauge\n# TYPE \"c\" counter\n# HELP \"d\\n\" x\n"
      "# HELP \"d\\n\" y\n");
  REQUIRE(skipped_line_numbers(e) == std::vector<std::size_t>{2, 4, 6});
  for (const SkippedLine& line : e.skipped) {
    INFO(line.reason);
    CHECK(line.reason.find('\n') == std::string::npos);
  }
  CHECK(e.skipped[0].reason == "TYPE line of \"b\\n\" without a type");
}

}  // namespace
}  // namespace llmpace::telemetry
