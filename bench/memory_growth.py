#!/usr/bin/env python3
"""Does llmpace's client memory grow with the number of requests, or with the tokens per request?

Starts `llmpace sim --port P --ttft-ms 0 --itl-ms 0` on a free loopback port (ready once it
answers GET /v1/models), then runs, one at a time, for each point (N requests, T output tokens):

  llmpace benchmark --target http://127.0.0.1:P --profile concurrent --rate 32 --max-requests N
      --data prompt_tokens=16,output_tokens=T --threads 1 --quiet --tokenizer approx
      --server-metrics off --outputs json --output-dir TMPDIR

under GNU time (`/usr/bin/time -f %M`, Debian's `time`), which gives llmpace's peak RSS: the
whole process, start-up, the run and writing its JSON report (no per-request .jsonl log is
written). Not os.wait4's ru_maxrss of a child of this script: Python starts children with vfork,
and the peak a child records at its exec is that of the memory it shared, this script's (about
14 MiB here), which then stood as a false floor under every run. The report must count N
successful requests of T output tokens each, or the run fails. A first run of N=1 gives the
start-up floor; growth smaller than that peak does not show in a peak, so points within 1 MiB of
it are marked (a slope through them may read low).

Grid: N in --requests (25000,100000,400000) at T=1, and T in --tokens (1,64,512) at
N = --token-requests (25000). With --runs K each point runs K times and the median counts.
Two slopes (least squares) come out of it:
  growth per million requests: peak RSS against N over the T=1 points, MiB per 1e6 requests
                               (target: at most 64);
  growth per token chunk:      peak RSS against N*T over the N=--token-requests points, bytes
                               per streamed token (target: ~0, "flat" below 1 byte).

  bench/memory_growth.py                                   # the default grid
  bench/memory_growth.py --requests 10000,40000 --tokens 1,64 --token-requests 10000
  bench/memory_growth.py --runs 3 --json memory.json --check   # exit 1 if a target is missed

Exit status: 0, or 1 if a run fails (or, with --check, if a target is missed).
"""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GNU_TIME = "/usr/bin/time"
TARGET_MIB_PER_MILLION_REQUESTS = 64.0
FLAT_BYTES_PER_TOKEN = 1.0
FLOOR_MARGIN_KIB = 1024


def fail(message):
    print(f"memory_growth: {message}", file=sys.stderr)
    sys.exit(1)


def parse_args():
    parser = argparse.ArgumentParser(
        description="llmpace's peak client RSS against requests and tokens per request")
    parser.add_argument("--llmpace", default=os.path.join(REPO, "build/apps/llmpace/llmpace"))
    parser.add_argument("--requests", default="25000,100000,400000",
                        help="request counts run at 1 output token, comma-separated")
    parser.add_argument("--tokens", default="1,64,512",
                        help="output tokens per request run at --token-requests requests")
    parser.add_argument("--token-requests", type=int, default=25000)
    parser.add_argument("--runs", type=int, default=1, help="runs per point; the median counts")
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    args.llmpace = os.path.abspath(args.llmpace)  # runs start in their own directories
    args.request_counts = [int(n) for n in args.requests.split(",") if n]
    args.token_counts = [int(t) for t in args.tokens.split(",") if t]
    if not os.access(args.llmpace, os.X_OK):
        fail(f"no llmpace at {args.llmpace} (build it, or pass --llmpace PATH)")
    if not os.access(GNU_TIME, os.X_OK):
        fail(f"no {GNU_TIME}: install Debian's `time` package (it measures the peak RSS)")
    return args


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_simulator(args, log):
    port = free_port()
    sim = subprocess.Popen([args.llmpace, "sim", "--port", str(port), "--ttft-ms", "0",
                            "--itl-ms", "0"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if sim.poll() is not None:  # e.g. someone took the port first
            log.seek(0)
            fail(f"llmpace sim exited ({sim.returncode}): {log.read().strip()[:300]}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/v1/models")
            if connection.getresponse().status == 200 and sim.poll() is None:
                return sim, f"http://127.0.0.1:{port}"
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.02)
    sim.kill()
    fail(f"llmpace sim did not answer GET /v1/models on port {port} within 20 s")


def run_point(args, url, requests, tokens, work_dir):
    """One benchmark run: its peak RSS (KiB) and wall time; fails loudly on a short count."""
    out_dir = tempfile.mkdtemp(prefix=f"n{requests}-t{tokens}.", dir=work_dir)
    rss_path = os.path.join(out_dir, "max_rss_kib.txt")
    command = [GNU_TIME, "-f", "%M", "-o", rss_path, args.llmpace, "benchmark", "--target", url, "--profile", "concurrent", "--rate",
               "32", "--max-requests", str(requests), "--data",
               f"prompt_tokens=16,output_tokens={tokens}", "--threads", "1", "--quiet",
               "--tokenizer", "approx", "--server-metrics", "off", "--outputs", "json",
               "--output-dir", out_dir]
    output_path = os.path.join(out_dir, "output.txt")
    started = time.monotonic()
    with open(output_path, "w") as output:
        # A session of its own, so that the hang guard kills llmpace too, not only time.
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=out_dir,
                                   start_new_session=True)
        try:
            process.wait(timeout=120 + requests * tokens / 5000)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    wall_s = time.monotonic() - started
    report_path = os.path.join(out_dir, "benchmarks.json")
    if process.returncode != 0 or not os.path.exists(report_path):
        with open(output_path) as output:
            fail(f"N={requests} T={tokens}: llmpace exited {process.returncode} (-9: killed "
                 f"after a hang), report: {os.path.exists(report_path)}:\n"
                 f"{output.read()[-600:].strip()}")
    with open(report_path) as file:
        benchmark = json.load(file)["benchmarks"][0]
    successful = benchmark["requests"]["successful"]
    if successful != requests:
        fail(f"N={requests} T={tokens}: {successful} successful requests, not {requests} "
             f"(requests: {benchmark['requests']})")
    counted = benchmark["metrics"]["output_tokens"]
    if counted["min"] != tokens or counted["max"] != tokens:
        fail(f"N={requests} T={tokens}: output tokens per request {counted['min']}-"
             f"{counted['max']}, not {tokens}")
    with open(rss_path) as file:
        max_rss_kib = int(file.read().split()[-1])  # after "Command exited ..." if it failed
    return {"max_rss_kib": max_rss_kib, "wall_s": wall_s,
            "report_bytes": os.path.getsize(report_path)}


def slope(points):
    """Least-squares slope of y against x, or None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    return statistics.linear_regression([x for x, _ in points], [y for _, y in points]).slope


def measure(args, grid, work_dir, sim_log):
    """The start-up floor (N=1) and each grid point's median peak RSS and wall time."""
    sim, url = start_simulator(args, sim_log)
    try:
        floor = run_point(args, url, 1, 1, work_dir)
        rows = []
        for requests, tokens in grid:
            runs = []
            for run in range(1, args.runs + 1):
                runs.append(run_point(args, url, requests, tokens, work_dir))
                print(f"  N={requests} T={tokens} run {run}: {runs[-1]['max_rss_kib'] / 1024:.1f}"
                      f" MiB, {runs[-1]['wall_s']:.1f} s", file=sys.stderr)
            rows.append({"requests": requests, "tokens": tokens, "runs": runs,
                         "max_rss_kib": statistics.median(r["max_rss_kib"] for r in runs),
                         "wall_s": statistics.median(r["wall_s"] for r in runs)})
        return floor, rows
    finally:
        sim.terminate()
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()


def print_table(floor, rows, runs):
    print(f"\n{'requests':>9} {'tokens':>6} {'max RSS':>11} {'wall':>8}" +
          (f"   (medians of {runs} runs)" if runs > 1 else ""))
    hidden = False
    for row in rows:
        near = row["max_rss_kib"] - floor["max_rss_kib"] < FLOOR_MARGIN_KIB
        hidden = hidden or near
        print(f"{row['requests']:>9} {row['tokens']:>6} {row['max_rss_kib'] / 1024:>7.1f} MiB "
              f"{row['wall_s']:>6.1f} s" + (" *" if near else ""))
    print(f"{1:>9} {1:>6} {floor['max_rss_kib'] / 1024:>7.1f} MiB {floor['wall_s']:>6.1f} s"
          "   start-up floor (not in the slopes)")
    if hidden:
        print("* within 1 MiB of the floor, whose peak hides smaller growth: a slope through it "
              "may read low")


def main():
    sys.stdout.reconfigure(line_buffering=True)  # the table after the progress lines on stderr
    args = parse_args()
    grid = list(dict.fromkeys([(n, 1) for n in args.request_counts] +
                              [(args.token_requests, t) for t in args.token_counts]))
    with tempfile.TemporaryDirectory(prefix="memory_growth.") as work_dir, \
            tempfile.TemporaryFile(mode="w+") as sim_log:
        floor, rows = measure(args, grid, work_dir, sim_log)
    print_table(floor, rows, args.runs)

    per_request = slope([(r["requests"], r["max_rss_kib"]) for r in rows if r["tokens"] == 1])
    per_token = slope([(r["requests"] * r["tokens"], r["max_rss_kib"] * 1024) for r in rows
                       if r["requests"] == args.token_requests])
    mib_per_million = None if per_request is None else per_request * 1e6 / 1024
    requests_met = mib_per_million is None or mib_per_million <= TARGET_MIB_PER_MILLION_REQUESTS
    tokens_met = per_token is None or abs(per_token) < FLAT_BYTES_PER_TOKEN
    print("\ngrowth per million requests: " + (
        "n/a (needs two request counts)" if mib_per_million is None else
        f"{mib_per_million:8.1f} MiB    target <= {TARGET_MIB_PER_MILLION_REQUESTS:g} MiB: "
        + ("met" if requests_met else "MISSED")))
    print("growth per token chunk:      " + (
        "n/a (needs two token counts)" if per_token is None else
        f"{per_token:8.2f} bytes  target ~0 (flat below {FLAT_BYTES_PER_TOKEN:g} byte): "
        + ("flat, met" if tokens_met else "grows, MISSED")))
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"argv": sys.argv, "llmpace": args.llmpace, "floor": floor, "points": rows,
                       "mib_per_million_requests": mib_per_million, "bytes_per_token": per_token,
                       "requests_target_met": requests_met, "tokens_target_met": tokens_met,
                       "measured_unix_s": time.time()}, file, indent=1)
            file.write("\n")
    if args.check and not (requests_met and tokens_met):
        sys.exit(1)


if __name__ == "__main__":
    main()
