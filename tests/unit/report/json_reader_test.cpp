#include "llmpace/report/json_reader.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "llmpace/core/error.hpp"
#include "llmpace/report/json_writer.hpp"
#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"

using Catch::Matchers::Contains;
using llmpace::ConfigError;
using llmpace::report::read_report_file;
using llmpace::report::report_from_json;
using llmpace::report::to_json;
using nlohmann::json;

namespace {

/// A temporary file removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    std::random_device random;
    path_ = (std::filesystem::temp_directory_path() /
             ("llmpace-json-reader-" + std::to_string(random()) + ".json"))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The ConfigError message of report_from_json(document), or "" when it does not throw.
std::string error_of(const json& document) {
  try {
    report_from_json(document, "report 'r.json'");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

std::string file_error_of(const std::string& path) {
  try {
    read_report_file(path);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("json reader: the sample report round-trips exactly", "[json_reader]") {
  const json written = to_json(llmpace::test::sample_report());
  CHECK(to_json(report_from_json(written)) == written);
  // Through text too, as a file holds it.
  CHECK(to_json(report_from_json(json::parse(written.dump(2)))) == written);
}

TEST_CASE("json reader: the golden report round-trips exactly", "[json_reader][golden]") {
  const std::string text = llmpace::test::read_golden("report.json");
  REQUIRE_FALSE(text.empty());
  const json golden = json::parse(text);
  CHECK(to_json(report_from_json(golden)) == golden);
  CHECK(to_json(read_report_file(llmpace::test::golden_path("report.json"))) == golden);
}

TEST_CASE("json reader: values land in the model", "[json_reader]") {
  const auto original = llmpace::test::sample_report();
  const auto read = report_from_json(to_json(original));
  CHECK(read.llmpace_version == original.llmpace_version);
  CHECK(read.created_at == original.created_at);
  CHECK(read.interrupted == original.interrupted);
  CHECK(read.run == original.run);
  REQUIRE(read.benchmarks.size() == original.benchmarks.size());
  for (std::size_t i = 0; i < read.benchmarks.size(); ++i) {
    const auto& a = read.benchmarks[i];
    const auto& b = original.benchmarks[i];
    CHECK(a.profile == b.profile);
    CHECK(a.rate == b.rate);
    CHECK(a.stop_reason == b.stop_reason);
    CHECK(a.workers == b.workers);
    CHECK(a.metrics.requests.total() == b.metrics.requests.total());
    CHECK(a.metrics.errors_by_kind == b.metrics.errors_by_kind);
    for (const auto& field : llmpace::metrics::kDistributionFields) {
      INFO(field.name);
      CHECK((a.metrics.*field.member).count == (b.metrics.*field.member).count);
      for (const auto& percentile : llmpace::metrics::kPercentileFields) {
        INFO(percentile.name);
        CHECK((a.metrics.*field.member).*percentile.member ==
              (b.metrics.*field.member).*percentile.member);
      }
    }
  }
  CHECK_FALSE(read.benchmarks[0].rate.has_value());
  REQUIRE_FALSE(read.benchmarks[0].metrics.timeline.empty());
  CHECK(read.benchmarks[0].metrics.timeline.size() ==
        original.benchmarks[0].metrics.timeline.size());
  CHECK(read.benchmarks[0].metrics.timeline_bucket_s ==
        original.benchmarks[0].metrics.timeline_bucket_s);
}

TEST_CASE("json reader: goodput and an empty run survive", "[json_reader]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks[1].metrics.goodput = llmpace::metrics::Goodput{
      .slo = "ttft_ms=200", .requests_met = 3, .fraction = 3.0 / 7, .requests_per_s = 1.5};
  json written = to_json(report);
  auto read = report_from_json(written);
  REQUIRE(read.benchmarks[1].metrics.goodput.has_value());
  CHECK(read.benchmarks[1].metrics.goodput->fraction == 3.0 / 7);
  CHECK_FALSE(read.benchmarks[0].metrics.goodput.has_value());
  CHECK(to_json(read) == written);

  written = to_json(llmpace::report::Report{});
  CHECK(to_json(report_from_json(written)) == written);
}

TEST_CASE("json reader: the server clock and exact-percentile flags survive", "[json_reader]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks[1].metrics.server_clock = llmpace::metrics::ServerClock{
      .responses = 12, .offset_low_s = -0.125, .offset_high_s = 0.0625};
  report.benchmarks[1].metrics.itl_ms.percentiles_exact = false;
  const json written = to_json(report);
  CHECK(written["benchmarks"][1]["server_clock"]["offset_s"] == -0.03125);
  CHECK(written["benchmarks"][0]["server_clock"].is_null());
  const auto read = report_from_json(written);
  REQUIRE(read.benchmarks[1].metrics.server_clock.has_value());
  CHECK(read.benchmarks[1].metrics.server_clock->responses == 12);
  CHECK(read.benchmarks[1].metrics.server_clock->offset_low_s == -0.125);
  CHECK_FALSE(read.benchmarks[0].metrics.server_clock.has_value());
  CHECK_FALSE(read.benchmarks[1].metrics.itl_ms.percentiles_exact);
  CHECK(read.benchmarks[1].metrics.ttft_ms.percentiles_exact);
  CHECK(to_json(read) == written);

  // Bounds that cross give no offset.
  report.benchmarks[1].metrics.server_clock->offset_low_s = 0.5;
  CHECK(to_json(report)["benchmarks"][1]["server_clock"]["offset_s"].is_null());
}

TEST_CASE("json reader: a shard's start lateness survives, and is absent elsewhere",
          "[json_reader]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks[0].settle = llmpace::report::Settle{.method = "pause", .waited_s = 1};
  report.benchmarks[1].settle =
      llmpace::report::Settle{.method = "shard_start", .waited_s = 2.5, .start_late_ms = 0.75};
  const json written = to_json(report);
  CHECK_FALSE(written["benchmarks"][0]["settle"].contains("start_late_ms"));
  CHECK(written["benchmarks"][1]["settle"]["start_late_ms"] == 0.75);
  const auto read = report_from_json(written);
  CHECK_FALSE(read.benchmarks[0].settle->start_late_ms.has_value());
  CHECK(read.benchmarks[1].settle->start_late_ms == 0.75);
  CHECK(read.benchmarks[1].settle->method == "shard_start");
  CHECK(to_json(read) == written);
}

TEST_CASE("json reader: unknown fields are ignored", "[json_reader]") {
  json written = to_json(llmpace::test::sample_report());
  json extended = written;
  extended["future_top_level"] = {{"a", 1}};
  extended["benchmarks"][0]["future_field"] = "x";
  extended["benchmarks"][0]["metrics"]["future_distribution"] = {{"count", 1}};
  extended["benchmarks"][0]["metrics"]["ttft_ms"]["p42"] = 1.0;
  CHECK(to_json(report_from_json(extended)) == written);
}

TEST_CASE("json reader: a null number reads as NaN", "[json_reader]") {
  json written = to_json(llmpace::test::sample_report());
  written["benchmarks"][0]["metrics"]["ttft_ms"]["mean"] = nullptr;
  CHECK(std::isnan(report_from_json(written).benchmarks[0].metrics.ttft_ms.mean));
}

TEST_CASE("json reader: bad documents are configuration errors naming the field", "[json_reader]") {
  const json good = to_json(llmpace::test::sample_report());

  CHECK_THAT(error_of(json::array()), Contains("report 'r.json': not an llmpace report"));

  json changed = good;
  changed.erase("schema_version");
  CHECK_THAT(error_of(changed), Contains("missing field 'schema_version'"));

  changed = good;
  changed["schema_version"] = 1;
  CHECK_THAT(error_of(changed), Contains("schema_version 1 is not supported"));

  changed = good;
  changed["schema_version"] = "2";
  CHECK_THAT(error_of(changed), Contains("is not supported"));

  changed = good;
  changed.erase("created_at");
  CHECK(error_of(changed) == "report 'r.json': missing field 'created_at'");

  changed = good;
  changed["benchmarks"][1]["metrics"]["ttft_ms"].erase("p99_9");
  CHECK(error_of(changed) ==
        "report 'r.json': missing field 'benchmarks[1].metrics.ttft_ms.p99_9'");

  changed = good;
  changed["benchmarks"][2]["metrics"].erase("itl_mean_ms");
  CHECK_THAT(error_of(changed), Contains("missing field 'benchmarks[2].metrics.itl_mean_ms'"));

  changed = good;
  changed["benchmarks"][0]["workers"] = "two";
  CHECK(error_of(changed) ==
        "report 'r.json': field 'benchmarks[0].workers' should be an integer, not a string");

  changed = good;
  changed["benchmarks"][0]["requests"]["errored"] = -1;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0].requests.errored' should be a "
                                         "non-negative integer"));

  changed = good;
  changed["benchmarks"][1]["errors_by_kind"]["http_status"] = 2.5;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].errors_by_kind.http_status'"));

  changed = good;
  changed["benchmarks"][1]["profile"] = "sweep";  // a run's profile, never a benchmark's
  CHECK(error_of(changed) ==
        "report 'r.json': field 'benchmarks[1].profile' names an unknown profile 'sweep' "
        "(expected one of synchronous, concurrent, throughput, constant, poisson, replay)");

  changed = good;
  changed["benchmarks"][1]["profile"] = 3;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].profile' should be a string"));

  changed = good;
  changed["benchmarks"][0]["rate"] = "fast";
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0].rate' should be a number"));

  changed = good;
  changed["benchmarks"][0]["goodput"] = json::array();
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0].goodput' should be an object or null"));

  changed = good;
  changed["benchmarks"] = json::object();
  CHECK_THAT(error_of(changed), Contains("'benchmarks' should be an array, not an object"));

  changed = good;
  changed["benchmarks"][0] = 3;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0]' should be an object, not a number"));

  changed = good;
  changed["benchmarks"][0]["timeline"]["start_s"].push_back(99.0);
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0].timeline' has columns of different"));

  changed = good;
  changed["benchmarks"][0]["timeline"]["requests_completed"][0] = "x";
  CHECK_THAT(error_of(changed), Contains("'benchmarks[0].timeline.requests_completed[0]'"));

  changed = good;
  changed["run"] = nullptr;
  CHECK_THAT(error_of(changed), Contains("'run' should be an object, not null"));
}

TEST_CASE("json reader: files that cannot be read, or are not JSON", "[json_reader]") {
  const std::string missing = "/nonexistent-llmpace-dir/missing.json";
  CHECK(file_error_of(missing) ==
        "cannot read report '" + missing + "': No such file or directory");

  const TempFile not_json("{\"schema_version\": 1,");
  const std::string message = file_error_of(not_json.path());
  CHECK_THAT(message, Contains("report '" + not_json.path() + "' is not JSON: parse error"));
  CHECK_THAT(message, !Contains("[json.exception"));
  CHECK(message.find('\n') == std::string::npos);

  const TempFile empty("");
  CHECK_THAT(file_error_of(empty.path()), Contains("is not JSON"));

  const TempFile not_a_report(R"({"hello": "world"})");
  CHECK(file_error_of(not_a_report.path()) ==
        "report '" + not_a_report.path() +
            "': missing field 'schema_version' (not an llmpace report?)");

  CHECK_THAT(file_error_of(std::filesystem::temp_directory_path().string()),
             Contains("it is a directory"));
}
