#!/usr/bin/python3
"""Soak: an hour of traffic against `llmpace sim` with about 1 % mixed faults.

Shows that the llmpace client's open file descriptors and RSS stay flat over a long run, and that
its counts add up against the simulator's ground truth (--trace).

"An hour" is the traffic a busy replica serves in one hour, compressed in time: --streams
concurrent streams (64) of --output-tokens (128) at a real-world TTFT of 200 ms and ITL of 20 ms
take 0.2 + 127 x 0.02 = 2.74 s per request, so 64 x 3600 / 2.74 = 84,088 requests (10.8 million
tokens) in an hour. The simulator runs --speedup (20) times faster (TTFT 10 ms, ITL 1 ms), so the
same requests, tokens, connections and faults take about three minutes. A leak is per request,
per connection or per fault, not per second, so the compressed run meets as many chances to leak.

Faults: --fault-rate (1 %) split equally over the six kinds of `llmpace sim --fault`. The client's
--idle-timeout (2 s) is shorter than the simulator's 5 s slow_headers delay, so a stall ends as an
idle_timeout and a slow head as a header_timeout after 2 s.

While `llmpace benchmark` runs, its /proc/PID/fd count and VmRSS (and the simulator's) are sampled
every --interval-s seconds, with the requests done so far (lines of the streamed .jsonl request
log). Afterwards it prints a table of the samples, the drift from the first to the last quartile
of the load phase (after the first 10 % of the requests, before the report is written) and
whether it is flat:
- descriptors: the quartile medians differ by at most 2 and no sample is more than 8 above the
  first quartile's median;
- RSS: the client tallies each request as it ends (metrics::RequestTally): 24 bytes per request
  for the concurrency figures, and each distribution's samples (8 bytes each) until it holds
  131,072 of them, when they are let go for its histogram. That expected growth is estimated from
  the request log (retained_bytes below); what grows beyond it must stay within max(4 MiB, 10 % of
  the estimate). The raw growth is printed too.
- the simulator keeps nothing per finished request: its RSS medians may differ by 4 MiB at most,
  its descriptor medians by 2.

Counts that must add up (each failure is listed; the exit code is 1 if any):
- the report: total = successful + errored + incomplete, the sum of errors_by_kind = errored,
  and each count equal to the request log's; the request log has one line per request sent;
- the trace has one line per request the log has, paired by X-Request-Id, none on one side only;
- each pair agrees: ok -> successful, http_500 -> http_status (500), http_429 -> rate_limited
  (429), reset_mid_stream -> connection_closed, stall -> idle_timeout, malformed_chunk ->
  protocol, slow_headers -> header_timeout (successful if --idle-timeout-s >= 5); a request cut by
  the end of the run (incomplete) is allowed only when --max-seconds stopped it; successful ones
  got as many tokens as the server sent, and reset/stall ones the 3 tokens before the break;
- the simulator's vllm:request_success_total = the trace's completed responses.

  bench/soak.py build/apps/llmpace/llmpace                 # the hour (about 3-5 min on 2 cores)
  bench/soak.py build/apps/llmpace/llmpace --hours 0.05    # a quick look
  --work-dir DIR keeps the report, request log, trace and console output there.
"""
import argparse
import collections
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

FAULT_KINDS = ["http_500", "http_429", "reset_mid_stream", "stall", "malformed_chunk",
               "slow_headers"]
SLOW_HEADERS_DELAY_S = 5.0  # sim::kSlowHeadersDelay
TOKENS_BEFORE_BREAK = 3  # sim::kFaultTokensBeforeBreak
# What the client's metrics::RequestTally keeps (lib/include/llmpace/metrics/request_tally.hpp):
# an Interval (24 bytes, 21 to a 512-byte std::deque block) per request sent and ended, and 8 bytes
# per sample of each distribution while it holds at most SampleSet::kExactSampleLimit of them.
INTERVAL_BYTES = 512 / 21
SAMPLE_BYTES = 8
EXACT_SAMPLE_LIMIT = 131072
# The distributions every successful request adds one sample to (metrics/benchmark_result.hpp).
PER_SUCCESS = ["ttft_ms", "ttfb_ms", "latency_ms", "ttft_from_scheduled_ms",
               "latency_from_scheduled_ms", "output_tokens", "prompt_tokens"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("llmpace", help="path of the llmpace binary")
    parser.add_argument("--streams", type=int, default=64)
    parser.add_argument("--hours", type=float, default=1.0, help="hours of real-world traffic")
    parser.add_argument("--real-ttft-ms", type=float, default=200.0)
    parser.add_argument("--real-itl-ms", type=float, default=20.0)
    parser.add_argument("--speedup", type=float, default=20.0, help="time compression")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--output-tokens", type=int, default=128)
    parser.add_argument("--fault-rate", type=float, default=0.01, help="over all six kinds")
    parser.add_argument("--idle-timeout-s", type=float, default=2.0)
    parser.add_argument("--max-seconds", type=float, default=720.0, help="wall-time guard")
    parser.add_argument("--interval-s", type=float, default=1.0, help="sampling interval")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work-dir", help="keep the files here (default: a temporary directory)")
    return parser.parse_args()


def planned_requests(args):
    real_request_s = (args.real_ttft_ms + (args.output_tokens - 1) * args.real_itl_ms) / 1000.0
    return round(args.streams * args.hours * 3600.0 / real_request_s)


def start_sim(args, trace_path, log_path):
    fault_probability = args.fault_rate / len(FAULT_KINDS)
    command = [args.llmpace, "sim", "--port", "0", "--seed", str(args.seed),
               "--ttft-ms", "%g" % (args.real_ttft_ms / args.speedup),
               "--itl-ms", "%g" % (args.real_itl_ms / args.speedup), "--trace", trace_path]
    for kind in FAULT_KINDS:
        command += ["--fault", "%s:%.6g" % (kind, fault_probability)]
    with open(log_path, "w") as log:  # the child keeps its own descriptor
        sim = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    ready, _, _ = select.select([sim.stdout], [], [], 10.0)
    line = sim.stdout.readline() if ready else ""
    if "listening on " not in line:
        sim.kill()
        with open(log_path) as log:
            sys.exit("llmpace sim did not start: %r %s" % (line, log.read()))
    return sim, command, line.split("listening on ")[1].strip()


def client_command(args, url, requests, work_dir):
    return [args.llmpace, "benchmark", "--target", url, "--profile", "concurrent",
            "--rate", str(args.streams), "--max-requests", str(requests),
            "--max-seconds", "%g" % args.max_seconds, "--drain",
            "--idle-timeout", "%g" % args.idle_timeout_s,
            "--data", "prompt_tokens=%d,output_tokens=%d" % (args.prompt_tokens,
                                                           args.output_tokens),
            "--seed", str(args.seed), "-q",
            "--output", os.path.join(work_dir, "report.json"),
            "--output", os.path.join(work_dir, "requests.jsonl")]


def process_usage(pid):
    """(open descriptors, VmRSS in KiB) of a live process, or None once it is gone."""
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return fds, int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


class LineCounter:
    """Counts the lines of a file another process appends to, reading only what is new."""

    def __init__(self, path):
        self.path, self.offset, self.lines = path, 0, 0

    def count(self):
        try:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                chunk = log.read()
        except FileNotFoundError:
            return 0
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return self.lines


Sample = collections.namedtuple("Sample", "t_s done fds rss_kib sim_fds sim_rss_kib")


def run_client(command, sim_pid, log_path, console_path, interval_s):
    """Runs the client, sampling it and the simulator; returns (exit code, samples)."""
    counter = LineCounter(log_path)
    samples = []
    with open(console_path, "w") as console:
        client = subprocess.Popen(command, stdout=console, stderr=subprocess.STDOUT)
        start = time.monotonic()
        next_sample = start
        while client.poll() is None:
            usage, sim_usage = process_usage(client.pid), process_usage(sim_pid)
            if usage and sim_usage:
                samples.append(Sample(time.monotonic() - start, counter.count(), usage[0],
                                      usage[1], sim_usage[0], sim_usage[1]))
            next_sample += interval_s
            time.sleep(max(0.0, next_sample - time.monotonic()))
    return client.returncode, samples


def success_total(url):
    """vllm:request_success_total of the simulator, summed over finish reasons."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("vllm:request_success_total"))


def quartile_medians(values):
    quarter = max(1, len(values) // 4)
    return statistics.median(values[:quarter]), statistics.median(values[-quarter:])


def mib(kib):
    return kib / 1024.0


def print_samples(samples, load):
    print("\nsamples (client = llmpace benchmark; * = load phase):")
    print("%8s %9s %5s %9s %8s %9s" % ("t_s", "done", "fds", "rss_MiB", "sim_fds", "sim_MiB"))
    step = max(1, len(samples) // 24)
    shown = set(range(0, len(samples), step)) | {len(samples) - 1}
    if load:
        shown |= {samples.index(load[0]), samples.index(load[-1])}
    for i in sorted(shown):
        s = samples[i]
        print("%8.1f %9d %5d %9.1f %8d %9.1f %s" % (s.t_s, s.done, s.fds, mib(s.rss_kib),
                                                   s.sim_fds, mib(s.sim_rss_kib),
                                                   "*" if s in load else ""))


def retained_bytes(log_records):
    """The client's memory that grows by design (its RequestTally), as done-count -> bytes, in log
    order. Samples of a distribution past EXACT_SAMPLE_LIMIT are let go: they count no more."""
    cumulative, intervals = [0], 0
    samples = collections.Counter()
    for record in log_records:
        if record["sent"]:
            samples["send_lag_ms"] += 1
            intervals += 1 if record["done"] else 0
        samples["dispatch_lag_ms"] += 1
        samples["unqueued_dispatch_lag_ms"] += 0 if record["waited_for_slot"] else 1
        if record["status"] == "successful":
            for name in PER_SUCCESS:
                samples[name] += 1
            if record["output_tokens"] >= 2:
                samples["tpot_ms"] += 1
                samples["itl_mean_ms"] += 1 if record["token_chunks"] >= 2 else 0
            samples["itl_ms"] += max(0, record["token_chunks"] - 1)
        kept = sum(count for count in samples.values() if count <= EXACT_SAMPLE_LIMIT)
        cumulative.append(intervals * INTERVAL_BYTES + kept * SAMPLE_BYTES)
    return cumulative


def check_flatness(samples, planned, retained, failures):
    """Prints the drift of the load phase and appends what is not flat to `failures`."""
    last_done = samples[-1].done if samples else 0
    load = [s for s in samples if planned * 0.1 <= s.done < last_done]
    print_samples(samples, load)
    if len(load) < 8:
        failures.append("only %d samples in the load phase: too short to judge drift" % len(load))
        return
    print("\nload phase: %.0f s, %d samples, %d -> %d requests done" %
          (load[-1].t_s - load[0].t_s, len(load), load[0].done, load[-1].done))
    fds = [s.fds for s in load]
    first, last = quartile_medians(fds)
    flat = abs(last - first) <= 2 and max(fds) <= first + 8
    print("client fds: min %d, max %d, first-quartile median %g, last %g -> %s" %
          (min(fds), max(fds), first, last, "flat" if flat else "NOT FLAT"))
    if not flat:
        failures.append("client descriptors drift: %g -> %g (max %d)" % (first, last, max(fds)))

    quarter = max(1, len(load) // 4)
    rss_first, rss_last = quartile_medians([s.rss_kib for s in load])
    done_first = statistics.median([s.done for s in load[:quarter]])
    done_last = statistics.median([s.done for s in load[-quarter:]])
    expected_kib = (retained[min(int(done_last), len(retained) - 1)] -
                    retained[min(int(done_first), len(retained) - 1)]) / 1024.0
    growth_kib = rss_last - rss_first
    per_request = growth_kib * 1024.0 / max(1.0, done_last - done_first)
    residual_kib = growth_kib - expected_kib
    tolerance_kib = max(4096.0, 0.10 * expected_kib)
    flat = abs(residual_kib) <= tolerance_kib
    print("client RSS: first-quartile median %.1f MiB, last %.1f MiB: %+.1f MiB over %d requests "
          "(%.0f bytes per request)" % (mib(rss_first), mib(rss_last), mib(growth_kib),
                                        done_last - done_first, per_request))
    print("  records kept for the report (estimated): %+.1f MiB; beyond them %+.1f MiB = %.0f "
          "bytes per request (tolerance %.1f MiB) -> %s" %
          (mib(expected_kib), mib(residual_kib),
           residual_kib * 1024.0 / max(1.0, done_last - done_first), mib(tolerance_kib),
           "flat" if flat else "NOT FLAT"))
    if not flat:
        failures.append("client RSS grows %.1f MiB beyond its records" % mib(residual_kib))

    sim_fds = [s.sim_fds for s in load]
    sim_rss_first, sim_rss_last = quartile_medians([s.sim_rss_kib for s in load])
    sim_first, sim_last = quartile_medians(sim_fds)
    flat = abs(sim_rss_last - sim_rss_first) <= 4096 and abs(sim_last - sim_first) <= 2
    print("simulator: fds %d-%d (medians %g -> %g), RSS %.1f -> %.1f MiB -> %s" %
          (min(sim_fds), max(sim_fds), sim_first, sim_last, mib(sim_rss_first),
           mib(sim_rss_last), "flat" if flat else "NOT FLAT"))
    if not flat:
        failures.append("simulator fds or RSS drift")


def read_jsonl(path, keep):
    """The lines of a JSON-lines file, each reduced by `keep` (the files are large)."""
    with open(path) as lines:
        return [keep(json.loads(line)) for line in lines if line.strip()]


def expected_client_outcome(server_outcome, idle_timeout_s):
    """(status, error_kind) the client should record for the simulator's outcome."""
    return {
        "ok": ("successful", None),
        "http_500": ("errored", "http_status"),
        "http_429": ("errored", "rate_limited"),
        "reset_mid_stream": ("errored", "connection_closed"),
        "stall": ("errored", "idle_timeout"),
        "malformed_chunk": ("errored", "protocol"),
        "slow_headers": (("successful", None) if idle_timeout_s >= SLOW_HEADERS_DELAY_S
                         else ("errored", "header_timeout")),
    }.get(server_outcome, ("?", server_outcome))


def check_counts(report, log, trace, sim_successes, args, failures):
    """Prints the counts, client against server, and appends every mismatch to `failures`."""
    bench = report["benchmarks"][0]
    counts = bench["requests"]
    by_kind = bench["errors_by_kind"]

    def require(condition, text):
        if not condition:
            failures.append(text)

    status = collections.Counter(r["status"] for r in log)
    log_kinds = collections.Counter(r["error_kind"] for r in log if r["status"] == "errored")
    print("\nclient report: successful %d, errored %d, incomplete %d, dropped %d, total %d "
          "(warmup %d, cooldown %d); stop_reason %s" %
          (counts["successful"], counts["errored"], counts["incomplete"], counts["dropped"],
           counts["total"], counts["warmup"], counts["cooldown"], bench["stop_reason"]))
    require(counts["total"] == counts["successful"] + counts["errored"] + counts["incomplete"],
            "report: total != successful + errored + incomplete")
    require(sum(by_kind.values()) == counts["errored"], "report: errors_by_kind do not sum up")
    require(len(log) == counts["total"] + counts["warmup"] + counts["cooldown"],
            "request log has %d lines, report counts %d sent" % (len(log), counts["total"]))
    for name in ("successful", "errored", "incomplete"):
        require(status[name] == counts[name],
                "%s: report %d, request log %d" % (name, counts[name], status[name]))
    require(dict(log_kinds) == by_kind, "errors_by_kind: report %s, request log %s" %
            (by_kind, dict(log_kinds)))

    server = {}
    for record in trace:
        require(record["request_id"] not in server and record["request_id"],
                "trace: missing or repeated request id %s" % record["request_id"])
        server[record["request_id"]] = record
    client = {r["request_id"]: r for r in log}
    only_client = sorted(set(client) - set(server))
    only_server = sorted(set(server) - set(client))
    require(not only_client, "%d requests in the request log only: %s" %
            (len(only_client), only_client[:10]))
    require(not only_server, "%d requests in the trace only: %s" %
            (len(only_server), only_server[:10]))
    print("trace: %d requests, request log %d, paired by X-Request-Id %d" %
          (len(trace), len(log), len(set(client) & set(server))))

    cut_by_end = bench["stop_reason"] == "max_seconds"
    table = collections.defaultdict(collections.Counter)
    disagreements = []
    for request_id in sorted(set(client) & set(server)):
        c, s = client[request_id], server[request_id]
        outcome = (c["status"], c["error_kind"] if c["status"] == "errored" else None)
        table[s["outcome"]][outcome] += 1
        if c["status"] == "incomplete" and cut_by_end:
            continue
        expected = expected_client_outcome(s["outcome"], args.idle_timeout_s)
        problem = None
        if outcome != expected:
            problem = "expected %s" % (expected,)
        elif s["outcome"] in ("http_500", "http_429") and c["http_status"] != s["http_status"]:
            problem = "HTTP %s, server sent %s" % (c["http_status"], s["http_status"])
        elif (c["status"] == "successful" and
              c["output_tokens"] != s["output_tokens"]):
            problem = "%s tokens, server sent %s" % (c["output_tokens"], s["output_tokens"])
        elif (s["outcome"] in ("reset_mid_stream", "stall") and
              c["token_chunks"] != min(TOKENS_BEFORE_BREAK, args.output_tokens)):
            problem = "%d token chunks before the break" % c["token_chunks"]
        if problem:
            disagreements.append((request_id, s["outcome"], outcome, problem))

    print("\nserver outcome (trace) -> client outcome (request log): requests")
    for server_outcome in sorted(table, key=lambda o: (o != "ok", o)):
        for outcome, count in table[server_outcome].most_common():
            print("  %-17s -> %-30s %7d" % (server_outcome, "/".join(filter(None, outcome)),
                                            count))
    print("client errors_by_kind: %s" % json.dumps(by_kind, sort_keys=True))
    print("disagreements: %d" % len(disagreements))
    for request_id, server_outcome, outcome, problem in disagreements[:20]:
        print("  %s: server %s, client %s (%s)" % (request_id, server_outcome,
                                                  "/".join(filter(None, outcome)), problem))
    require(not disagreements, "%d requests where client and server disagree" %
            len(disagreements))

    completed = sum(1 for r in trace if r["outcome"] == "ok" or
                    (r["outcome"] == "slow_headers" and r["finish_reason"]))
    print("simulator vllm:request_success_total %d, completed responses in the trace %d" %
          (sim_successes, completed))
    require(sim_successes == completed, "vllm:request_success_total %d != trace %d" %
            (sim_successes, completed))
    faults = sum(1 for r in trace if r["outcome"] in FAULT_KINDS)
    print("faults injected: %d of %d requests (%.2f %%)" %
          (faults, len(trace), 100.0 * faults / max(1, len(trace))))


def main():
    args = parse_args()
    requests = planned_requests(args)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix="llmpace-soak-")
    os.makedirs(work_dir, exist_ok=True)
    paths = {name: os.path.join(work_dir, name) for name in
             ("trace.jsonl", "requests.jsonl", "report.json", "console.txt", "sim.log")}
    for path in paths.values():  # a stale request log would be counted as requests done
        if os.path.exists(path):
            os.remove(path)
    sim, sim_command, url = start_sim(args, paths["trace.jsonl"], paths["sim.log"])
    try:
        command = client_command(args, url, requests, work_dir)
        print("simulator: " + " ".join(sim_command))
        print("client:    " + " ".join(command))
        print("%d requests = %g h of %d streams at TTFT %g ms, ITL %g ms, %d output tokens, "
              "compressed %gx" % (requests, args.hours, args.streams, args.real_ttft_ms,
                                  args.real_itl_ms, args.output_tokens, args.speedup))
        sys.stdout.flush()
        started = time.monotonic()
        exit_code, samples = run_client(command, sim.pid, paths["requests.jsonl"],
                                        paths["console.txt"], args.interval_s)
        wall_s = time.monotonic() - started
        sim_successes = success_total(url)
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait(timeout=30)
    print("client exit code %d after %.1f s wall (console output in %s)" %
          (exit_code, wall_s, paths["console.txt"]))
    failures = [] if exit_code == 0 else ["llmpace benchmark exited with %d" % exit_code]

    log = read_jsonl(paths["requests.jsonl"], lambda r: {
        "request_id": r["request_id"], "status": r["status"], "error_kind": r["error_kind"],
        "http_status": r["http_status"], "output_tokens": r["output_tokens"],
        "token_chunks": len(r["token_chunk_ms"]), "error_message": r["error_message"],
        "sent": r["sent_ms"] is not None, "done": r["done_ms"] is not None,
        "waited_for_slot": r["waited_for_slot"]})
    trace = read_jsonl(paths["trace.jsonl"], lambda r: {
        key: r[key] for key in ("request_id", "outcome", "http_status", "output_tokens",
                                "finish_reason")})
    with open(paths["report.json"]) as report_file:
        report = json.load(report_file)
    bench = report["benchmarks"][0]
    print("%d requests in %.1f s (%.0f req/s, %.0f output tokens/s), %s" %
          (len(log), bench["duration_s"], len(log) / max(1e-9, bench["duration_s"]),
           bench["throughput"]["output_tokens_per_s"],
           "a full hour-equivalent" if len(log) >= requests else
           "CUT SHORT: %d of %d planned" % (len(log), requests)))

    check_flatness(samples, requests, retained_bytes(log), failures)
    check_counts(report, log, trace, sim_successes, args, failures)
    print()
    for failure in failures:
        print("FAIL: " + failure)
    print("soak: %s" % ("everything adds up and stays flat" if not failures else
                        "%d problems" % len(failures)))
    if not args.work_dir:
        shutil.rmtree(work_dir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
