// HTML report, Diagnosis and Server and GPU sections (html_diagnosis.cpp, html_telemetry.cpp):
// the walls as badges with their verdicts, remedies and evidence; the server's and GPUs' figures
// in tables with their notes and charts; a "not scraped" line without telemetry; escaped text; no
// NaN on the page.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "llmpace/report/html_writer.hpp"
#include "unit/report/sample_report.hpp"
#include "unit/report/text_checks.hpp"

using llmpace::report::kHtmlChartTitles;
using llmpace::report::kHtmlTelemetryChartTitles;
using llmpace::report::LabelledReport;
using llmpace::report::render_html;
using llmpace::test::contains;
using llmpace::test::count_of;

namespace tel = llmpace::telemetry;

namespace {

std::string render_one(const llmpace::report::Report& report) {
  return render_html({LabelledReport{"", report}});
}

/// The section whose <h2> is `title`, up to its end.
std::string section(const std::string& page, const std::string& title) {
  const std::size_t start = page.find("<h2>" + title + "</h2>");
  if (start == std::string::npos) return "";
  const std::size_t end = page.find("</section>", start);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

tel::TelemetrySummary kv_wall_telemetry() {
  tel::TelemetrySummary summary;
  tel::ServerTelemetry server;
  server.flavor = tel::ServerFlavor::vllm;
  server.kv_cache_usage = tel::GaugeStats{.mean = 0.912, .max = 1.0, .p95 = 0.987, .readings = 9};
  server.requests_running = tel::GaugeStats{.mean = 212.4, .max = 256, .p95 = 250, .readings = 9};
  server.requests_waiting = tel::GaugeStats{.mean = 88.3, .max = 140, .p95 = 130, .readings = 9};
  server.preemptions = tel::CounterStats{.delta = 14, .per_s = 7};
  server.prompt_tokens = tel::CounterStats{.delta = 4000, .per_s = 2000.5};
  server.generation_tokens = tel::CounterStats{.delta = 6420, .per_s = 3210.4};
  server.prefix_cache_hit_rate = 0.25;
  server.kv_capacity_tokens = 123456;
  server.ttft = tel::HistogramStats{
      .count = 40,
      .mean_ms = 905,
      .reset = false,
      .p50 = tel::BucketQuantile{.value_ms = 812, .bucket_low_ms = 750, .bucket_high_ms = 1000},
      .p90 = tel::BucketQuantile{.value_ms = 2400, .bucket_low_ms = 2000, .bucket_high_ms = 2500},
      .p99 = tel::BucketQuantile{.value_ms = 5000, .bucket_low_ms = 5000, .bucket_high_ms = {}}};
  server.itl = tel::HistogramStats{
      .count = 120,
      .mean_ms = 5.5,
      .reset = false,
      .p50 = tel::BucketQuantile{.value_ms = 5, .bucket_low_ms = 0, .bucket_high_ms = 10},
      .p90 = {},
      .p99 = {}};
  server.queue_time = tel::HistogramStats{};  // no observation
  server.readings = 9;
  summary.server = server;

  tel::GpuTelemetry gpu;
  gpu.gpu = "0";
  gpu.model_name = "NVIDIA H100 80GB HBM3";
  gpu.util_percent = tel::GaugeStats{.mean = 41.2, .max = 63, .p95 = 60, .readings = 9};
  gpu.tensor_active = tel::GaugeStats{.mean = 0.123, .max = 0.2, .p95 = 0.2, .readings = 9};
  gpu.fb_used_mib = tel::GaugeStats{.mean = 70000, .max = 75878, .p95 = 75000, .readings = 9};
  gpu.fb_total_mib = 81559;
  gpu.power_w = tel::GaugeStats{.mean = 512.3, .max = 611, .p95 = 600, .readings = 9};
  gpu.temp_c = tel::GaugeStats{.mean = 55, .max = 61, .p95 = 60, .readings = 9};
  summary.gpus.push_back(gpu);

  for (int i = -1; i < 4; ++i) {
    tel::TelemetryPoint point;
    point.t_s = i * 0.5;
    point.kv_cache_usage = 0.5 + 0.1 * i;
    point.requests_running = 200 + i;
    point.requests_waiting = 80 + 2 * i;
    point.gpu_util_percent = 40 + i;
    point.fb_used_mib = 75000;
    point.power_w = 500 + 3 * i;
    summary.series.push_back(point);
  }
  summary.notes = {"GPU metrics 127.0.0.1:9400/metrics: 2 of 15 scrapes failed: timeout"};
  return summary;
}

/// The sample report (synchronous, constant 2.50, concurrent 8) with telemetry on its constant
/// benchmark, every benchmark diagnosed, and a sweep diagnosis.
llmpace::report::Report telemetry_report() {
  auto report = llmpace::test::sample_report();
  report.interrupted = false;
  auto& sync = report.benchmarks[0];
  sync.telemetry = tel::TelemetrySummary{};
  sync.telemetry->notes = {"server metrics: GET /metrics answered 404"};
  sync.diagnosis = tel::Diagnosis{.wall = tel::Wall::headroom,
                                  .verdict = "client data only: no wall reached",
                                  .evidence = {"kv_cache_wall: not checked: no server metrics"},
                                  .remedy = "Raise the rate or concurrency to find the wall.",
                                  .client_data_only = true};

  auto& constant = report.benchmarks[1];
  constant.telemetry = kv_wall_telemetry();
  constant.settle = llmpace::report::Settle{.method = "server_idle", .waited_s = 3.2};
  constant.diagnosis =
      tel::Diagnosis{.wall = tel::Wall::kv_cache,
                     .verdict = "KV-cache wall: KV usage p95 98.7 % with 88.3 requests waiting",
                     .evidence = {"kv_cache_wall: fired: KV usage p95 98.7 % >= 95 %",
                                  "compute_wall: not fired: GPU activity 41 % < 95 %"},
                     .remedy = "More KV-cache memory per replica.",
                     .client_data_only = false};

  auto& concurrent = report.benchmarks[2];
  concurrent.diagnosis = tel::Diagnosis{.wall = tel::Wall::latency_floor,
                                        .verdict = "Latency floor: TTFT p50 925 ms",
                                        .evidence = {},
                                        .remedy = "",
                                        .client_data_only = true};

  tel::SweepDiagnosis sweep;
  sweep.load_unit = tel::LoadUnit::requests_per_s;
  sweep.knee =
      tel::SweepKnee{.index = 0, .load = 1, .criterion = tel::KneeCriterion::throughput_tracking};
  sweep.first_wall = tel::SweepWall{.index = 1, .load = 2.5, .wall = tel::Wall::kv_cache};
  sweep.tpot_slope = tel::TpotSlope{.ms_per_request = 0.52,
                                    .intercept_ms = 10,
                                    .points = 3,
                                    .concurrency_low = 1,
                                    .concurrency_high = 8,
                                    .growth = 1.36,
                                    .rising = false};
  sweep.verdict = "Knee at 1 req/s; first wall: KV-cache wall at 2.50 req/s";
  sweep.evidence = {"load order: synchronous 1, constant 2.50, concurrent 8"};
  report.sweep_diagnosis = sweep;
  return report;
}

}  // namespace

TEST_CASE("html: the diagnosis sits near the top, with the sweep and a badge per wall",
          "[html][diagnosis]") {
  const std::string page = render_one(telemetry_report());
  const std::size_t diagnosis_at = page.find("<h2>Diagnosis</h2>");
  REQUIRE(diagnosis_at != std::string::npos);
  CHECK(page.find("<h2>Summary</h2>") < diagnosis_at);
  CHECK(diagnosis_at < page.find("<h2>Benchmarks</h2>"));

  const std::string diagnosis = section(page, "Diagnosis");
  CHECK(contains(diagnosis,
                 "<strong>Sweep:</strong> Knee at 1 req/s; first wall: KV-cache wall at 2.50 "
                 "req/s"));
  CHECK(contains(
      diagnosis,
      "<dt>knee</dt><dd>1 req/s (synchronous) <small>by throughput tracking the rate</small>"));
  CHECK(contains(diagnosis,
                 "<dt>first wall</dt><dd><span class=\"wall bad\" title=\"kv_cache_wall\">"
                 "KV-cache wall</span> at 2.50 req/s (constant 2.50)"));
  CHECK(contains(diagnosis, "0.520 ms per request in flight, 1.36× from 1.0 to 8.0 in flight"));
  CHECK(contains(diagnosis, "load order: synchronous 1, constant 2.50, concurrent 8"));

  // One row per benchmark: its badge, verdict, remedy and evidence (collapsed).
  const std::string body = diagnosis.substr(diagnosis.find("<tbody>"));
  CHECK(count_of(body, "<tr>") == 3);
  CHECK(contains(body, "<span class=\"wall ok\" title=\"headroom\">Headroom</span>"));
  CHECK(contains(body, "<span class=\"wall bad\" title=\"kv_cache_wall\">KV-cache wall</span>"));
  CHECK(contains(body, "<span class=\"wall warn\" title=\"latency_floor\">Latency floor</span>"));
  CHECK(count_of(body, "<span class=\"flag\">client data only</span>") == 2);
  CHECK(contains(body, "KV-cache wall: KV usage p95 98.7 % with 88.3 requests waiting"));
  CHECK(contains(body, "<div class=\"remedy\">Remedy: More KV-cache memory per replica.</div>"));
  CHECK(contains(body,
                 "<details><summary>evidence (2 lines)</summary><ul><li>kv_cache_wall: fired: "
                 "KV usage p95 98.7 % &gt;= 95 %</li>"));
  CHECK(count_of(body, "<details>") == 2);  // the latency floor row has no evidence
}

TEST_CASE("html: the server and GPU section shows the figures, the notes and the charts",
          "[html][telemetry]") {
  const std::string page = render_one(telemetry_report());
  CHECK(page.find("<h2>Charts</h2>") < page.find("<h2>Server and GPU</h2>"));
  const std::string telemetry = section(page, "Server and GPU");
  REQUIRE_FALSE(telemetry.empty());
  CHECK_FALSE(contains(telemetry, "Not scraped"));

  // Server: one row, the constant benchmark's, with the client's output tok/s beside the server's.
  const std::string server = telemetry.substr(0, telemetry.find("<h3>GPUs</h3>"));
  CHECK(contains(server, "<h3>Server</h3>"));
  CHECK(count_of(server, "<tr") == 2 + 1);  // two head rows, one benchmark
  CHECK(contains(server,
                 "<td class=\"l\">constant 2.50</td><td>91.2</td><td>98.7</td><td>100.0</td>"
                 "<td>123456</td><td>212.4</td><td>256</td><td>88.3</td><td>140</td><td>14</td>"
                 "<td>2000.5</td><td>3210.4</td>"));
  CHECK(contains(server, "<td>25.0</td>"));  // prefix cache hits

  // GPU: FB used in MiB and as a share of the total.
  const std::string gpus = telemetry.substr(telemetry.find("<h3>GPUs</h3>"));
  CHECK(contains(gpus,
                 "<td class=\"l\">0 NVIDIA H100 80GB HBM3</td><td>41</td><td>63</td>"
                 "<td>12.3</td><td>75878</td><td>93.0</td><td>81559</td><td>512</td><td>611</td>"
                 "<td>61</td>"));

  // Server-side latency: each percentile with its bucket; the +Inf bucket says "at least".
  CHECK(contains(telemetry,
                 "<details open><summary class=\"h3\">Server-side latency <small>(3 rows"));
  CHECK(contains(telemetry, "<td>812.0 <small>750.0–1000</small></td>"));
  CHECK(contains(telemetry, "<td>≥ 5000 <small>+Inf bucket</small></td>"));
  CHECK(contains(telemetry, "<td>5.00 <small>0–10.0</small></td>"));  // the first bucket
  // A histogram without observations shows dashes, not zeros.
  CHECK(contains(telemetry,
                 "<td class=\"l\">queue</td><td>0</td><td class=\"na\">-</td>"
                 "<td class=\"na\">-</td>"));

  // Notes: the client−server TTFT line, the settle line, the telemetry's own notes.
  CHECK(contains(telemetry,
                 "<li>constant 2.50: server TTFT p50 812.0 ms (its bucket 750.0-1000 ms)"));
  CHECK(contains(telemetry,
                 "<li>constant 2.50: waited 3.2 s for the server to be idle before it</li>"));
  CHECK(contains(telemetry,
                 "<li>constant 2.50: GPU metrics 127.0.0.1:9400/metrics: 2 of 15 scrapes "
                 "failed: timeout</li>"));
  CHECK(contains(telemetry, "<li>synchronous: server metrics: GET /metrics answered 404</li>"));
  CHECK(contains(telemetry, "<li>concurrent 8: server and GPU metrics not scraped</li>"));

  // Every telemetry chart, drawn from the one benchmark with a series.
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size() + kHtmlTelemetryChartTitles.size());
  for (const std::string_view title : kHtmlTelemetryChartTitles) {
    INFO(title);
    CHECK(contains(telemetry, "<title>" + std::string(title) + "</title>"));
  }
  CHECK(contains(telemetry, "<title>constant 2.50 · waiting</title>"));
}

TEST_CASE("html: a chart only for the figures some series has", "[html][telemetry]") {
  auto report = telemetry_report();
  for (auto& point : report.benchmarks[1].telemetry->series) {
    point.gpu_util_percent.reset();
    point.power_w.reset();
  }
  const std::string page = render_one(report);
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size() + 2);
  CHECK_FALSE(contains(page, "GPU power over time"));

  // GPU figures without a server: a GPU table and no server tables.
  report.benchmarks[1].telemetry->server.reset();
  const std::string gpu_only = section(render_one(report), "Server and GPU");
  CHECK_FALSE(contains(gpu_only, "<h3>Server</h3>"));
  CHECK_FALSE(contains(gpu_only, "\"h3\">Server-side latency"));
  CHECK(contains(gpu_only, "<h3>GPUs</h3>"));
}

TEST_CASE("html: without telemetry the section is one 'not scraped' line", "[html][telemetry]") {
  // A report written before telemetry: no telemetry, no diagnosis.
  const std::string page = render_one(llmpace::test::sample_report());
  const std::string telemetry = section(page, "Server and GPU");
  CHECK(contains(telemetry,
                 "<p class=\"explain\">Not scraped: the report has no server or GPU "
                 "telemetry"));
  CHECK_FALSE(contains(telemetry, "<table"));
  CHECK_FALSE(contains(telemetry, "<svg"));
  CHECK_FALSE(contains(telemetry, "<ul"));
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size());
  const std::string diagnosis = section(page, "Diagnosis");
  CHECK(contains(diagnosis, "Not diagnosed"));
  CHECK_FALSE(contains(diagnosis, "<table"));

  // --server-metrics off: the telemetry holds only its reason, said once for every benchmark.
  auto off = llmpace::test::sample_report();
  for (auto& benchmark : off.benchmarks) {
    benchmark.telemetry = tel::TelemetrySummary{};
    benchmark.telemetry->notes = {"server metrics: not scraped: server_metrics is off"};
  }
  off.benchmarks[1].settle = llmpace::report::Settle{.method = "pause", .waited_s = 2};
  const std::string off_section = section(render_one(off), "Server and GPU");
  CHECK(contains(off_section,
                 "<p class=\"explain\">Not scraped: server metrics: not scraped: server_metrics "
                 "is off.</p>"));
  CHECK(count_of(off_section, "server_metrics is off") == 1);
  CHECK_FALSE(contains(off_section, "<table"));
  CHECK(contains(off_section, "<li>constant 2.50: paused 2.0 s before it</li>"));

  // A shard but 0 of a sharded run waited for shard 0's start; a late start is said instead.
  off.benchmarks[1].settle =
      llmpace::report::Settle{.method = "shard_start", .waited_s = 2.5, .start_late_ms = 3};
  CHECK(contains(section(render_one(off), "Server and GPU"),
                 "<li>constant 2.50: waited 2.5 s for shard 0"));
  off.benchmarks[1].settle->start_late_ms = 250;
  CHECK(contains(section(render_one(off), "Server and GPU"),
                 "<li>constant 2.50: started 250 ms after the shards"));
}

TEST_CASE("html: verdicts, remedies, evidence and notes are escaped", "[html][telemetry]") {
  auto report = telemetry_report();
  auto& benchmark = report.benchmarks[1];
  benchmark.diagnosis->verdict = "KV-cache wall: <b>bold</b> & more";
  benchmark.diagnosis->remedy = "<i>remedy</i>";
  benchmark.diagnosis->evidence = {"<u>evidence</u>"};
  benchmark.telemetry->notes = {"server metrics: <script>alert(1)</script>"};
  benchmark.telemetry->gpus[0].model_name = "<blink>H100</blink>";
  report.sweep_diagnosis->verdict = "<s>sweep</s>";
  const std::string page = render_one(report);
  CHECK(contains(page, "KV-cache wall: &lt;b&gt;bold&lt;/b&gt; &amp; more"));
  CHECK(contains(page, "Remedy: &lt;i&gt;remedy&lt;/i&gt;"));
  CHECK(contains(page, "<li>&lt;u&gt;evidence&lt;/u&gt;</li>"));
  CHECK(contains(page, "server metrics: &lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(contains(page, "&lt;blink&gt;H100&lt;/blink&gt;"));
  CHECK(contains(page, "&lt;s&gt;sweep&lt;/s&gt;"));
  for (const char* raw : {"<script", "<b>", "<i>", "<u>", "<blink>", "<s>"}) {
    INFO(raw);
    CHECK_FALSE(contains(page, raw));
  }

  // The not-scraped line escapes its reasons too.
  auto off = llmpace::test::sample_report();
  off.benchmarks[0].telemetry = tel::TelemetrySummary{};
  off.benchmarks[0].telemetry->notes = {"server metrics: <script>"};
  const std::string off_page = render_one(off);
  CHECK(contains(off_page, "Not scraped: server metrics: &lt;script&gt;."));
  CHECK_FALSE(contains(off_page, "<script"));
}

TEST_CASE("html: a NaN in the telemetry shows as a dash", "[html][telemetry]") {
  const double nan = std::nan("");
  auto report = telemetry_report();
  auto& summary = *report.benchmarks[1].telemetry;
  summary.server->kv_cache_usage->mean = nan;
  summary.server->generation_tokens->per_s = std::numeric_limits<double>::infinity();
  summary.server->ttft->p50->value_ms = nan;
  summary.server->ttft->mean_ms = nan;
  summary.gpus[0].power_w->mean = nan;
  summary.gpus[0].fb_total_mib = nan;
  summary.series[1].kv_cache_usage = nan;
  summary.series[2].t_s = nan;
  report.sweep_diagnosis->tpot_slope->growth = nan;
  report.benchmarks[1].metrics.throughput.output_tokens_per_s = nan;
  const std::string page = render_one(report);
  for (const char* bad : {">nan", "nan<", "nan,", ",nan", "\"nan", "nan\"", " nan", "-nan", ">inf",
                          "inf<", "inf,", ",inf", "\"inf", "inf\"", " inf", "NaN"}) {
    INFO(bad);
    CHECK_FALSE(contains(page, bad));
  }
  const std::string server = section(page, "Server and GPU");
  CHECK(contains(server, "<td class=\"l\">constant 2.50</td><td class=\"na\">-</td><td>98.7</td>"));
  CHECK(contains(server, "<td>61</td>"));  // the GPU row still ends with its temperature
  CHECK(contains(page, "-× from 1.0 to 8.0"));
}

TEST_CASE("html: a comparison names the run of each telemetry row and line", "[html][telemetry]") {
  const auto report = telemetry_report();
  const std::string page =
      render_html({LabelledReport{"bf16", report}, LabelledReport{"int4", report}});
  const std::string diagnosis = section(page, "Diagnosis");
  CHECK(contains(diagnosis, "<h3>bf16</h3>"));
  CHECK(contains(diagnosis, "<h3>int4</h3>"));
  CHECK(count_of(diagnosis, "<strong>Sweep:</strong>") == 2);
  const std::string telemetry = section(page, "Server and GPU");
  CHECK(contains(telemetry, "<td class=\"l\">int4</td><td class=\"l\">constant 2.50</td>"));
  CHECK(contains(telemetry, "<li>bf16 · constant 2.50: waited 3.2 s"));
  CHECK(contains(telemetry, "<title>int4 · constant 2.50 · running</title>"));
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size() + kHtmlTelemetryChartTitles.size());
  CHECK(contains(telemetry,
                 "<details open><summary class=\"h3\">Server-side latency <small>(6 rows"));

  // Longer than two benchmarks' worth, the server-side latency table starts folded.
  auto sweep = report;
  for (auto& benchmark : sweep.benchmarks) benchmark.telemetry = kv_wall_telemetry();
  const std::string folded =
      section(render_html({LabelledReport{"bf16", sweep}, LabelledReport{"int4", sweep}}),
              "Server and GPU");
  CHECK(contains(folded, "<details><summary class=\"h3\">Server-side latency <small>(18 rows"));
}
