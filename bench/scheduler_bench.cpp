// scheduler_bench: how fast and how punctually the open-loop scheduler sends requests.
//
// Runs engine::Runner with the constant profile against the built-in simulator on 127.0.0.1 (and
// nowhere else). The simulator runs in a child process, forked before this process has any other
// thread, so the CPU time of this process (getrusage) is the client's alone; the child's is read
// from /proc. Send lag is sent - scheduled of every request that was sent; the first second of
// each rate is warmup (--warmup-seconds), left out of the lag percentiles and shown as its own
// worst lag. One row per rate: requests sent and sent/s; lag p50/p90/p99/p99.9/max; p99 of the
// dispatch lag (dispatched - scheduled, the part before the request coroutine began); warmup max
// lag; TCP connections opened; client CPU µs per request (whole run) and CPU % of one core; the
// simulator's CPU %; "other", the CPU the rest of the machine used meanwhile (more than a few %
// means noisy figures); the simulator's median TTFT; errored requests; and a note when the
// simulator or the machine rather than the client looks like the limit (errors, sent/s under 95%
// of the rate, a busy simulator core, a median TTFT over twice what it was told).
//
//   default       100, 1,000 and 10,000 req/s (--rates), 10 s each (--seconds)
//   --find-max    the highest rate with p99 send lag <= 1 ms (--lag-target-ms) and sent/s at
//                 least 95% of the rate: doubling from 1,000 req/s, then bisection to 5%
//                 (--precision); 5 s per probe unless --seconds says otherwise; a probe
//                 during which the rest of the machine was busy is run again (twice at most)
//   --csv FILE    every sent request's lag, to see when the late ones happened
//
// Build and run (Release; the simulator and the client share the machine, so run it idle):
//   cmake --preset bench && cmake --build build-bench -j2 --target scheduler_bench
//   build-bench/bench/scheduler_bench
//   build-bench/bench/scheduler_bench --find-max
//
// The figures and the exact commands of the last measurement are in docs/performance.md.
#include <fmt/format.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "forked_sim.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/engine/runner.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/summary.hpp"
#include "llmpace/profile/profile_spec.hpp"
#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_server.hpp"
#include "llmpace/workload/synthetic_data.hpp"
#include "llmpace/workload/synthetic_prompts.hpp"
#include "llmpace/workload/token_counter.hpp"
#include "llmpace/workload/word_calibration.hpp"

namespace {

using namespace llmpace;  // NOLINT(google-build-using-namespace): a single-file program

struct Flags {
  std::vector<double> rates{100, 1000, 10000};
  std::optional<double> seconds;  // per rate; 10 s, or 5 s per probe with --find-max
  double warmup_seconds = 1.0;    // requests scheduled this early stay out of the lag statistics
  bool find_max = false;
  double lag_target_ms = 1.0;
  double precision = 0.05;
  double start_rate = 1000;
  double max_rate = 1'000'000;
  int threads = 1;
  unsigned sim_threads = 1;
  double ttft_ms = 1.0;
  double itl_ms = 1.0;
  std::int64_t prompt_tokens = 32;
  std::int64_t output_tokens = 8;
  std::string csv_path;  // every request's lag, for a closer look
};

// ---------------------------------------------------------------------------------------------
// One probe: one constant-rate benchmark and what it measured.

/// TCP connections this network namespace has opened so far (/proc/net/snmp Tcp ActiveOpens):
/// on an otherwise idle machine, the client's.
std::int64_t tcp_active_opens() {
  std::ifstream file("/proc/net/snmp");
  std::string names;
  std::string values;
  while (std::getline(file, names) && std::getline(file, values)) {
    if (names.rfind("Tcp:", 0) != 0) continue;
    std::istringstream name_fields(names);
    std::istringstream value_fields(values);
    std::string name;
    std::string value;
    while (name_fields >> name && value_fields >> value) {
      if (name == "ActiveOpens") return std::stoll(value);
    }
  }
  return 0;
}

/// Above this much CPU used by the rest of the machine during a probe, its figures are noise.
constexpr double kBusyOtherCpuPercent = 15;

struct Probe {
  double rate = 0;
  std::size_t sent = 0;  // every request that was sent, warmup included
  double sent_per_s = 0;
  // Send lag of the requests scheduled after the warmup.
  double lag_p50_ms = 0;
  double lag_p90_ms = 0;
  double lag_p99_ms = 0;
  double lag_p999_ms = 0;
  double lag_max_ms = 0;
  double dispatch_lag_p99_ms = 0;  // p99 of dispatched - scheduled: late before the request began
  double warmup_lag_max_ms = 0;    // worst send lag of the warmup
  std::int64_t connections = 0;    // TCP connections opened during the probe
  double cpu_us_per_request = 0;   // client CPU over the whole probe / requests sent
  double client_cpu_percent = 0;   // of one core
  double sim_cpu_percent = 0;      // of one core
  double other_cpu_percent = 0;    // of one core: the machine's busy time minus client and sim
  double ttft_p50_ms = 0;          // successful requests
  std::size_t errored = 0;
  std::string note;  // why the simulator looks like the limit, if it does
};

Probe run_probe(engine::Runner& runner, const bench::SimChild& sim, const Flags& flags, double rate,
                double seconds, std::ofstream* csv) {
  profile::ProfileSpec spec;
  spec.kind = profile::ProfileKind::constant;
  spec.rate_per_s = rate;
  spec.max_duration = from_seconds(seconds);

  const std::int64_t opens_before = tcp_active_opens();
  const double cpu_before = bench::self_cpu_seconds();
  const double sim_cpu_before = bench::process_cpu_seconds(sim.pid());
  const double machine_before = bench::machine_busy_cpu_seconds();
  const TimePoint wall_before = SteadyClock::now();
  const metrics::BenchmarkResult result = runner.run(spec);
  const double wall = to_seconds(SteadyClock::now() - wall_before);
  const double cpu = bench::self_cpu_seconds() - cpu_before;
  const double sim_cpu = bench::process_cpu_seconds(sim.pid()) - sim_cpu_before;
  const double machine = bench::machine_busy_cpu_seconds() - machine_before;

  Probe probe;
  probe.rate = rate;
  probe.connections = tcp_active_opens() - opens_before;
  const Nanoseconds warmup = from_seconds(flags.warmup_seconds);
  std::vector<double> lags_ms;
  std::vector<double> dispatch_lags_ms;
  std::vector<double> ttfts_ms;
  lags_ms.reserve(result.records.size());
  dispatch_lags_ms.reserve(result.records.size());
  for (const metrics::RequestRecord& record : result.records) {
    if (record.status == metrics::RequestStatus::errored) ++probe.errored;
    if (!metrics::RequestRecord::is_set(record.sent)) continue;
    ++probe.sent;
    const double lag_ms = to_ms(record.sent - record.scheduled);
    if (csv != nullptr) {
      *csv << fmt::format("{},{},{:.4f},{:.4f},{}\n", rate, record.index,
                          to_ms(record.scheduled - result.start), lag_ms,
                          metrics::to_string(record.status));
    }
    if (record.scheduled - result.start < warmup) {
      probe.warmup_lag_max_ms = std::max(probe.warmup_lag_max_ms, lag_ms);
      continue;
    }
    lags_ms.push_back(lag_ms);
    if (metrics::RequestRecord::is_set(record.dispatched)) {
      dispatch_lags_ms.push_back(to_ms(record.dispatched - record.scheduled));
    }
    if (record.status == metrics::RequestStatus::successful && record.has_first_token()) {
      ttfts_ms.push_back(to_ms(record.first_token - record.sent));
    }
  }
  std::sort(lags_ms.begin(), lags_ms.end());
  std::sort(dispatch_lags_ms.begin(), dispatch_lags_ms.end());
  std::sort(ttfts_ms.begin(), ttfts_ms.end());
  probe.sent_per_s = static_cast<double>(probe.sent) / seconds;
  probe.lag_p50_ms = metrics::percentile_of_sorted(lags_ms, 50);
  probe.lag_p90_ms = metrics::percentile_of_sorted(lags_ms, 90);
  probe.lag_p99_ms = metrics::percentile_of_sorted(lags_ms, 99);
  probe.lag_p999_ms = metrics::percentile_of_sorted(lags_ms, 99.9);
  probe.lag_max_ms = lags_ms.empty() ? 0 : lags_ms.back();
  probe.dispatch_lag_p99_ms = metrics::percentile_of_sorted(dispatch_lags_ms, 99);
  probe.ttft_p50_ms = metrics::percentile_of_sorted(ttfts_ms, 50);
  probe.cpu_us_per_request = probe.sent == 0 ? 0 : cpu * 1e6 / static_cast<double>(probe.sent);
  probe.client_cpu_percent = wall > 0 ? 100 * cpu / wall : 0;
  probe.sim_cpu_percent = wall > 0 ? 100 * sim_cpu / wall : 0;
  probe.other_cpu_percent = wall > 0 ? std::max(0.0, 100 * (machine - cpu - sim_cpu) / wall) : 0;

  std::vector<std::string> reasons;
  if (probe.errored > 0) reasons.emplace_back("errors");
  if (probe.sent_per_s < 0.95 * rate) reasons.emplace_back("sent<95%");
  if (probe.sim_cpu_percent >= 90.0 * flags.sim_threads) reasons.emplace_back("sim CPU busy");
  if (probe.ttft_p50_ms > 2 * flags.ttft_ms) reasons.emplace_back("sim TTFT>2x");
  for (const std::string& reason : reasons) {
    probe.note += probe.note.empty() ? "saturated? " + reason : ", " + reason;
  }
  if (probe.other_cpu_percent > kBusyOtherCpuPercent) {
    probe.note += probe.note.empty() ? "machine busy" : "; machine busy";
  }
  return probe;
}

// One row per probe. The lag columns leave out the requests scheduled in the warmup; "disp p99"
// is the p99 of the dispatch lag (dispatched - scheduled: how late the request coroutine
// started, before any connect), "warmup max" the worst lag of the warmup, "conns" the TCP
// connections opened. CPU columns are % of one core; "other" is what the rest of the machine
// (kernel threads, other processes) used meanwhile: more than a few % means a noisy figure.
void print_header(bool with_verdict) {
  fmt::print(
      "{:>7} {:>7} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>5} {:>7} {:>6} {:>5} "
      "{:>5} {:>6} {:>4}{}  {}\n",
      "rate/s", "sent", "sent/s", "lag p50", "p90", "p99", "p99.9", "max", "disp", "warmup",
      "conns", "CPU/req", "client", "sim", "other", "TTFT50", "err", with_verdict ? "  pass?" : "",
      "note");
  fmt::print(
      "{:>7} {:>7} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>5} {:>7} {:>6} {:>5} "
      "{:>5} {:>6}\n",
      "", "", "", "ms", "ms", "ms", "ms", "ms", "p99 ms", "max ms", "", "µs", "CPU %", "CPU %",
      "CPU %", "ms");
}

void print_probe(const Probe& probe, std::optional<bool> passed) {
  std::string verdict;
  if (passed) verdict = *passed ? "    yes" : "     NO";
  fmt::print(
      "{:>7.0f} {:>7} {:>8.1f} {:>7.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.2f} {:>6.3f} "
      "{:>7.2f} {:>5} {:>7.1f} {:>6.1f} {:>5.1f} {:>5.1f} {:>6.2f} {:>4}{}  {}\n",
      probe.rate, probe.sent, probe.sent_per_s, probe.lag_p50_ms, probe.lag_p90_ms,
      probe.lag_p99_ms, probe.lag_p999_ms, probe.lag_max_ms, probe.dispatch_lag_p99_ms,
      probe.warmup_lag_max_ms, probe.connections, probe.cpu_us_per_request,
      probe.client_cpu_percent, probe.sim_cpu_percent, probe.other_cpu_percent, probe.ttft_p50_ms,
      probe.errored, verdict, probe.note);
  std::fflush(stdout);
}

/// The search's criterion: p99 send lag within the target and (almost) every request sent.
bool sustained(const Probe& probe, const Flags& flags) {
  return probe.lag_p99_ms <= flags.lag_target_ms && probe.sent_per_s >= 0.95 * probe.rate;
}

/// Pause between probes so the simulator has closed the last probe's connections.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds{500}); }

int find_max(engine::Runner& runner, const bench::SimChild& sim, const Flags& flags, double seconds,
             std::ofstream* csv) {
  print_header(/*with_verdict=*/true);
  // A probe during which something else kept the machine busy is run again (twice at most), so
  // a compile on a shared machine does not decide the search.
  const auto probe_at = [&](double rate) {
    for (int attempt = 0;; ++attempt) {
      const Probe probe = run_probe(runner, sim, flags, rate, seconds, csv);
      const bool passed = sustained(probe, flags);
      print_probe(probe, passed);
      settle();
      if (probe.other_cpu_percent <= kBusyOtherCpuPercent || attempt == 2) return passed;
    }
  };

  // Bracket the answer: lo passes, hi fails.
  double lo = 0;
  double hi = 0;
  double rate = flags.start_rate;
  if (probe_at(rate)) {
    lo = rate;
    while (hi == 0) {
      rate = std::min(2 * lo, flags.max_rate);
      if (rate <= lo) break;  // reached --max-rate
      if (probe_at(rate)) {
        lo = rate;
      } else {
        hi = rate;
      }
    }
  } else {
    hi = rate;
    while (lo == 0 && hi > 1) {
      rate = hi / 2;
      if (probe_at(rate)) {
        lo = rate;
      } else {
        hi = rate;
      }
    }
  }
  if (lo == 0) {
    fmt::print("\nno rate down to 1 req/s kept p99 send lag <= {} ms\n", flags.lag_target_ms);
    return 1;
  }
  if (hi == 0) {
    fmt::print("\nevery rate up to --max-rate {:.0f} req/s passed\n", flags.max_rate);
    return 0;
  }
  while ((hi - lo) / lo > flags.precision) {
    rate = std::round((lo + hi) / 2);
    if (probe_at(rate)) {
      lo = rate;
    } else {
      hi = rate;
    }
  }
  fmt::print(
      "\nhighest rate sustained with p99 send lag <= {} ms: {:.0f} req/s "
      "(the next probe, {:.0f} req/s, failed)\n",
      flags.lag_target_ms, lo, hi);
  return 0;
}

int run(const Flags& flags) {
  const double seconds = flags.seconds.value_or(flags.find_max ? 5.0 : 10.0);
  if (flags.warmup_seconds >= seconds) {
    fmt::print(stderr, "scheduler_bench: --warmup-seconds must be shorter than --seconds\n");
    return 2;
  }
  sim::SimOptions sim_options;
  sim_options.host = "127.0.0.1";  // loopback only
  sim_options.port = 0;
  sim_options.ttft = from_ms(flags.ttft_ms);
  sim_options.itl = from_ms(flags.itl_ms);
  sim_options.jitter = 0;
  sim_options.threads = flags.sim_threads;
  sim::validate_sim_options(sim_options);

  engine::RunnerOptions runner_options;
  runner_options.handle_signals = false;
  runner_options.threads = flags.threads;

  // Forked before this process has any thread besides the main one: before the Runner exists.
  const bench::SimChild sim(
      [&](int port_pipe) { bench::serve_sim_child(sim_options, port_pipe, "scheduler_bench"); });

  engine::Target target;
  target.client.base_url = http::parse_url(fmt::format("http://127.0.0.1:{}", sim.port()));
  target.api = openai::ApiKind::chat_completions;
  target.model = sim_options.model;
  // Prompt lengths need not be exact here: words counted by the approximate counter, as
  // `--tokenizer approx` makes them (no tokenizer call).
  workload::ApproxTokenCounter approx_counter;
  workload::SyntheticDataSpec workload_spec;
  workload_spec.prompt = workload::fixed_length(flags.prompt_tokens);
  workload_spec.output = workload::fixed_length(flags.output_tokens);
  engine::Runner runner(
      target,
      std::make_shared<workload::SyntheticPromptSource>(
          workload_spec, 42, workload::calibrate_words(approx_counter, workload::PromptForm::chat)),
      runner_options);

  // The figures mean something only on an otherwise idle machine: say how busy it is.
  const double idle_check_before = bench::machine_busy_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds{1});
  const double busy_before_percent = 100 * (bench::machine_busy_cpu_seconds() - idle_check_before);
  fmt::print(
      "scheduler_bench: constant-rate open loop against the simulator (pid {}) on 127.0.0.1:{}\n"
      "machine: {} cores ({}); client threads {}; simulator threads {}, TTFT {} ms, ITL {} ms, "
      "jitter 0; {} prompt / {} output tokens; {} s per rate, the first {} s of it warmup\n"
      "machine busy before the start: {:.0f}% of one core{}\n\n",
      sim.pid(), sim.port(), std::thread::hardware_concurrency(), bench::cpu_model_name(),
      flags.threads, flags.sim_threads, flags.ttft_ms, flags.itl_ms, flags.prompt_tokens,
      flags.output_tokens, seconds, flags.warmup_seconds, busy_before_percent,
      busy_before_percent > 10 ? " (not idle: expect noisy figures)" : "");

  std::ofstream csv;
  if (!flags.csv_path.empty()) {
    csv.open(flags.csv_path);
    if (!csv) throw std::runtime_error(fmt::format("cannot write {}", flags.csv_path));
    csv << "rate,index,scheduled_ms,lag_ms,status\n";
  }
  std::ofstream* const csv_out = csv.is_open() ? &csv : nullptr;

  if (flags.find_max) return find_max(runner, sim, flags, seconds, csv_out);
  print_header(/*with_verdict=*/false);
  for (const double rate : flags.rates) {
    print_probe(run_probe(runner, sim, flags, rate, seconds, csv_out), std::nullopt);
    settle();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App cli{"Open-loop scheduler benchmark against the simulator on 127.0.0.1"};
  cli.add_option("--rates", flags.rates,
                 "Constant rates to measure, req/s (default 100,1000,10000)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cli.add_option("--seconds", flags.seconds,
                 "Duration of each rate (default 10, 5 with --find-max)")
      ->check(CLI::PositiveNumber);
  cli.add_option("--warmup-seconds", flags.warmup_seconds,
                 "Leave requests scheduled in the first N s of each rate out of the lag statistics "
                 "(their worst lag is shown apart)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cli.add_flag("--find-max", flags.find_max,
               "Search the highest rate with p99 send lag <= --lag-target-ms");
  cli.add_option("--lag-target-ms", flags.lag_target_ms, "p99 send lag target of --find-max")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--precision", flags.precision, "Relative precision of --find-max's bisection")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1.0));
  cli.add_option("--start-rate", flags.start_rate, "First rate --find-max tries, req/s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--max-rate", flags.max_rate, "Highest rate --find-max tries, req/s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--threads", flags.threads, "Client worker threads (engine::RunnerOptions)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cli.add_option("--sim-threads", flags.sim_threads, "Simulator io threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cli.add_option("--ttft-ms", flags.ttft_ms, "Simulator time to first token")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60000.0));
  cli.add_option("--itl-ms", flags.itl_ms, "Simulator inter-token latency")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60000.0));
  cli.add_option("--prompt-tokens", flags.prompt_tokens, "Prompt length, words")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cli.add_option("--output-tokens", flags.output_tokens, "Output tokens per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cli.add_option(
      "--csv", flags.csv_path,
      "Write every sent request's lag to this CSV (rate,index,scheduled_ms,lag_ms,status)");
  CLI11_PARSE(cli, argc, argv);

  try {
    return run(flags);
  } catch (const std::exception& error) {
    fmt::print(stderr, "scheduler_bench: {}\n", error.what());
    return 1;
  }
}
