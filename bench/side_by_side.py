#!/usr/bin/python3
"""Client cost side by side: wrk, h2load and llmpace against the same server (issue 16).

The server is pinned to one CPU (--server-cpu, 0) and each client in turn to another
(--client-cpu, 1), so that what a client costs is its own CPU time, not a share of the server's.
For each output length of --tokens (1,8,64,512) the same streaming chat request goes to
POST /v1/chat/completions on --connections (64) keep-alive connections for --seconds (10) from:

  wrk -t1 -c64 -dDs       a Lua script (written to a temp file) POSTs the body
  h2load --h1 -c64 -t1 -D D -d BODY -H 'content-type: application/json'
  llmpace benchmark --threads 1 --profile concurrent --rate 64 --max-seconds D --quiet
          --data prompt_tokens=16,output_tokens=N --tokenizer approx --server-metrics off

The body wrk and h2load send is llmpace's own: before the runs, llmpace sends one request of the
same workload to a listener in this script, which keeps its body (stream true, stream_options
include_usage, max_tokens and max_completion_tokens N, ignore_eos, 16 prompt tokens of synthetic
words; llmpace's later requests differ only in their words). `--tokenizer approx` keeps llmpace
from asking the server to count tokens, `--server-metrics off` from scraping it: neither is load.

--server canned runs bench/canned_server (pre-rendered responses, one per token count; build it
with `make bench`), --server sim runs `llmpace sim --ttft-ms 0 --itl-ms 0 --jitter 0 --threads 1`.

A client's CPU is user + system time from os.wait4's rusage (the whole process: start-up,
connections, the run and, for llmpace, the report); divided by the requests the tool reports done
(wrk "requests in", h2load "done", llmpace the report's successful + errored: the requests cut by
the end of --max-seconds are not done), it is the CPU per request, shown with its user and system
parts (system time is mostly the kernel's TCP work, which any client pays). req/s is what the tool
reports (llmpace: successful / duration_s). The table also shows the server's CPU (/proc/PID/stat)
as % of its core, to tell a client limit (client near 100 %) from a server limit (server near
100 %), and "other": the rest of the machine's busy time (/proc/stat) in the same seconds, which
should be near 0 on a quiet machine.

Other modes:
  --open-loop RATE   llmpace --profile constant --rate RATE for --seconds against the canned server
                     (1-token streams), with --threads 1 and 2 (--open-loop-threads): achieved
                     req/s, send lag p50/p99/p99.9 and dispatch lag p99 from the JSON report.
  --streams N        llmpace's peak RSS (VmHWM) holding N concurrent streams against
                     `llmpace sim --itl-ms 1000` (streams of --stream-output-tokens, 1024, that stay
                     open), --stream-settle-s (3) after its N sockets are open, minus the same with
                     one stream, per stream. RLIMIT_NOFILE is raised to its hard limit for the
                     children.

  bench/side_by_side.py                                  # canned server, 1, 8, 64, 512 tokens
  bench/side_by_side.py --server sim --tokens 1,8,64 --json sbs.json
  bench/side_by_side.py --runs 3          # each tool 3 times per token count, medians shown

Against the canned server the run ends by comparing llmpace÷wrk CPU per request, per token count,
with bench/client_cost_baseline.json (--baseline FILE, or none): more than 20 % above the baseline
is reported as a regression and the exit status is 1. --write-baseline FILE records this run's
ratios (with the commit, date and machine) as a new baseline; a baseline from another machine (CPU
model or hypervisor) is reported as not comparable rather than checked.
  bench/side_by_side.py --open-loop 20000
  bench/side_by_side.py --streams 10000

Paths: --llmpace (build/apps/llmpace/llmpace), --canned-server (build-bench/bench/canned_server),
relative to the repository root. Needs wrk, h2load (nghttp2-client) and taskset (util-linux):
scripts/install-deps.sh --with-bench.
"""
import argparse
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = "canned"
# The last recorded llmpace÷wrk CPU per request (docs/performance.md); a run more than
# REGRESSION_LIMIT above it fails.
DEFAULT_BASELINE = os.path.join(REPO, "bench", "client_cost_baseline.json")
REGRESSION_LIMIT = 0.20
CLK_TCK = os.sysconf("SC_CLK_TCK")


def die(message):
    print(f"side_by_side: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    parser = argparse.ArgumentParser(
        description="Client CPU per request of wrk, h2load and llmpace against one server "
        "(issue 16)")
    parser.add_argument("--server", choices=["canned", "sim"], default="canned")
    parser.add_argument("--tokens", default="1,8,64,512", help="output tokens, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="per tool and token count")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--prompt-tokens", type=int, default=16)
    parser.add_argument("--tools", default="wrk,h2load,llmpace")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs of each tool per token count (interleaved); the table shows "
                        "the median")
    parser.add_argument("--framing", choices=["per-event", "one-chunk"], default="per-event",
                        help="canned server's HTTP chunking")
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--client-cpu", default="1")
    parser.add_argument("--llmpace", default=os.path.join(REPO, "build/apps/llmpace/llmpace"))
    parser.add_argument("--canned-server",
                        default=os.path.join(REPO, "build-bench/bench/canned_server"))
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--baseline", metavar="FILE", default=DEFAULT_BASELINE,
                        help="llmpace÷wrk CPU per request to compare with (exit 1 on a regression "
                        "of more than 20 %%); 'none' to skip")
    parser.add_argument("--write-baseline", metavar="FILE",
                        help="record this run's llmpace÷wrk CPU per request as a baseline")
    parser.add_argument("--open-loop", type=float, metavar="RATE",
                        help="open-loop mode: llmpace --profile constant at RATE req/s")
    parser.add_argument("--open-loop-threads", default="1,2")
    parser.add_argument("--streams", type=int, metavar="N",
                        help="memory mode: client RSS per concurrent stream")
    parser.add_argument("--stream-output-tokens", type=int, default=1024,
                        help="streams mode: max_tokens of each stream (the client may reserve "
                        "per request what this says; at one token a second they last long "
                        "enough)")
    parser.add_argument("--stream-settle-s", type=float, default=3.0,
                        help="streams mode: RSS is read this long after all streams are open")
    args = parser.parse_args()
    args.token_counts = [int(t) for t in args.tokens.split(",") if t]
    args.tool_list = [t for t in args.tools.split(",") if t]
    for tool in args.tool_list:
        if tool not in ("wrk", "h2load", "llmpace"):
            die(f"unknown tool {tool!r} in --tools (wrk, h2load, llmpace)")
    return args


def check_tools(args):
    if shutil.which("taskset") is None:
        die("taskset not found: apt-get install util-linux")
    needed = set(args.tool_list) if not (args.open_loop or args.streams) else set()
    if "wrk" in needed and shutil.which("wrk") is None:
        die("wrk not found: apt-get install wrk (or scripts/install-deps.sh --with-bench)")
    if "h2load" in needed and shutil.which("h2load") is None:
        die("h2load not found: apt-get install nghttp2-client (or scripts/install-deps.sh "
            "--with-bench)")
    if not os.access(args.llmpace, os.X_OK):
        die(f"no llmpace at {args.llmpace} (build it, or pass --llmpace PATH)")
    uses_canned = (args.server == "canned" and not args.streams) or args.open_loop
    if uses_canned and not os.access(args.canned_server, os.X_OK):
        die(f"no canned_server at {args.canned_server} (make bench, or pass --canned-server PATH)")
    allowed = os.sched_getaffinity(0)
    for cpu_list in (args.server_cpu, args.client_cpu):
        for cpu in cpus_of(cpu_list):
            if cpu not in allowed:
                die(f"CPU {cpu} is not available here (have {sorted(allowed)}); "
                    "see --server-cpu/--client-cpu")


def cpus_of(cpu_list):
    cpus = set()
    for part in cpu_list.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def raise_open_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# ---- machine and process CPU ------------------------------------------------------------------


def machine_busy_s():
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLK_TCK


def process_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def load_average():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# ---- servers ----------------------------------------------------------------------------------


class Server:
    """A server pinned to --server-cpu; stopped with SIGTERM when the `with` block ends."""

    def __init__(self, args, command, name):
        self.name = name
        self.command = ["taskset", "-c", args.server_cpu] + command
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 10)
        line = self.process.stdout.readline() if ready else ""
        match = re.search(r"listening on (?:http://)?127\.0\.0\.1:(\d+)", line)
        if not match:
            self.stop()
            self.log.seek(0)
            die(f"{name} did not start: {line.strip() or self.log.read().strip()[:300]}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def cpu_s(self):
        return process_cpu_s(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def canned_server(args, tokens):
    return Server(args, [args.canned_server, "--port", "0", "--tokens", str(tokens),
                         "--prompt-tokens", str(args.prompt_tokens), "--model", MODEL,
                         "--framing", args.framing], "canned_server")


def simulator(args, itl_ms=0):
    return Server(args, [args.llmpace, "sim", "--port", "0", "--ttft-ms", "0", "--itl-ms",
                         str(itl_ms), "--jitter", "0", "--threads", "1", "--model", MODEL],
                  "llmpace sim")


# ---- the body llmpace sends -------------------------------------------------------------------


def llmpace_workload(args, tokens):
    return ["--data", f"prompt_tokens={args.prompt_tokens},output_tokens={tokens}",
            "--tokenizer", "approx", "--server-metrics", "off", "--model", MODEL]


def capture_body(args, tokens):
    """The body of llmpace's first request with this workload, caught by a one-shot listener."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(20)
    port = listener.getsockname()[1]
    captured = {}

    def serve():
        try:
            while "body" not in captured:
                connection, _ = listener.accept()
                with connection:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        piece = connection.recv(65536)
                        if not piece:
                            break
                        data += piece
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                    while length and len(body) < int(length.group(1)):
                        piece = connection.recv(65536)
                        if not piece:
                            break
                        body += piece
                    if head.startswith(b"POST") and b"/chat/completions" in head.split(b"\r\n")[0]:
                        captured["body"] = body
                    connection.sendall(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n"
                                       b"connection: close\r\n\r\n")
        except OSError as error:
            captured["error"] = str(error)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    subprocess.run([args.llmpace, "benchmark", "--target", f"http://127.0.0.1:{port}",
                    "--profile", "synchronous", "--max-requests", "1", "--quiet"] +
                   llmpace_workload(args, tokens),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    thread.join(timeout=5)
    listener.close()
    if "body" not in captured:
        die(f"could not capture llmpace's request body ({captured.get('error', 'none sent')})")
    body = json.loads(captured["body"])
    if body.get("max_tokens") != tokens or body.get("stream") is not True:
        die(f"llmpace's captured body is not the expected workload: {captured['body'][:200]!r}")
    return captured["body"]


# ---- clients ----------------------------------------------------------------------------------


def run_client(args, command, output_path, timeout_s):
    """Runs `command` pinned to --client-cpu; returns (exit code, user CPU seconds, system CPU
    seconds, wall seconds)."""
    with open(output_path, "w") as output:
        process = subprocess.Popen(["taskset", "-c", args.client_cpu] + command, stdout=output,
                                   stderr=subprocess.STDOUT)
    started = time.monotonic()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            break
        if time.monotonic() - started > timeout_s:
            process.kill()
        time.sleep(0.02)
    wall_s = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime, usage.ru_stime, wall_s


def seconds_of(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[unit]


def parse_wrk(text):
    match = re.search(r"(\d+) requests in ([\d.]+\w+),", text)
    if not match:
        return None
    done = int(match.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", text)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(v) for v in socket_errors.groups())
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {"done": done, "errors": errors, "duration_s": seconds_of(match.group(2)),
            "requests_per_s": float(rate.group(1)) if rate else None}


def parse_h2load(text):
    finished = re.search(r"finished in ([\d.]+\w+), ([\d.]+) req/s", text)
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    if not finished or not counts:
        return None
    codes = re.search(r"status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    done = int(counts.group(3))
    errors = int(counts.group(5)) + int(counts.group(6)) + int(counts.group(7))
    if codes:
        errors += sum(int(v) for v in codes.groups())
    return {"done": done, "errors": errors, "duration_s": seconds_of(finished.group(1)),
            "requests_per_s": float(finished.group(2))}


def llmpace_figures(report_path):
    with open(report_path) as file:
        benchmark = json.load(file)["benchmarks"][0]
    requests = benchmark["requests"]
    metrics = benchmark["metrics"]
    return {"done": requests["successful"] + requests["errored"], "errors": requests["errored"],
            "incomplete": requests["incomplete"],
            "successful": requests["successful"], "duration_s": benchmark["duration_s"],
            "requests_per_s": benchmark["throughput"]["requests_per_s"],
            "sent_requests_per_s": benchmark["throughput"]["sent_requests_per_s"],
            "output_tokens_mean": metrics["output_tokens"]["mean"],
            "output_tokens_min": metrics["output_tokens"]["min"],
            "output_tokens_max": metrics["output_tokens"]["max"],
            "send_lag_ms": metrics["send_lag_ms"], "dispatch_lag_ms": metrics["dispatch_lag_ms"],
            "client_limited": benchmark["client_limited"],
            "errors_by_kind": benchmark["errors_by_kind"]}


def measure(args, server, tool, tokens, body_path, work_dir):
    seconds = args.seconds
    output_path = os.path.join(work_dir, f"{tool}-{tokens}.out")
    target = f"{server.url}/v1/chat/completions"
    if tool == "wrk":
        script = os.path.join(work_dir, "post.lua")
        with open(script, "w") as lua:
            lua.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      f'local file = io.open("{body_path}", "rb")\n'
                      f'wrk.body = file:read("*a")\nfile:close()\n')
        command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds:g}s", "-s", script, target]
    elif tool == "h2load":
        command = ["h2load", "--h1", f"-c{args.connections}", "-t1", "-D", f"{seconds:g}",
                   "-d", body_path, "-H", "content-type: application/json", target]
    else:
        report = os.path.join(work_dir, f"llmpace-{tokens}.json")
        command = [args.llmpace, "benchmark", "--target", server.url, "--threads", "1",
                   "--profile", "concurrent", "--rate", str(args.connections), "--max-seconds",
                   f"{seconds:g}", "--quiet", "--output", report] + llmpace_workload(args, tokens)
    busy_before, server_before = machine_busy_s(), server.cpu_s()
    code, user_s, system_s, wall_s = run_client(args, command, output_path, seconds * 3 + 30)
    cpu_s = user_s + system_s
    server_cpu_s = server.cpu_s() - server_before
    other_s = machine_busy_s() - busy_before - server_cpu_s - cpu_s
    with open(output_path) as file:
        text = file.read()
    if tool == "wrk":
        figures = parse_wrk(text)
    elif tool == "h2load":
        figures = parse_h2load(text)
    else:
        figures = llmpace_figures(report) if os.path.exists(report) else None
    if figures is None or figures["done"] == 0:
        die(f"{tool} at {tokens} tokens (exit {code}) reported nothing: {text.strip()[-300:]}")
    row = {"tool": tool, "tokens": tokens, "command": command, "exit_code": code,
           "client_cpu_s": cpu_s, "client_user_s": user_s, "client_system_s": system_s,
           "wall_s": wall_s, "server_cpu_s": server_cpu_s, "other_cpu_s": max(other_s, 0.0),
           **figures}
    row["cpu_per_request_us"] = 1e6 * cpu_s / figures["done"]
    row["user_per_request_us"] = 1e6 * user_s / figures["done"]
    row["system_per_request_us"] = 1e6 * system_s / figures["done"]
    row["cpu_per_chunk_us"] = row["cpu_per_request_us"] / tokens
    row["client_cpu_percent"] = 100 * cpu_s / wall_s
    row["server_cpu_percent"] = 100 * server_cpu_s / wall_s
    row["other_cpu_percent"] = 100 * row["other_cpu_s"] / wall_s
    if tool == "llmpace" and (figures["output_tokens_min"] != tokens or
                              figures["output_tokens_max"] != tokens):
        print(f"side_by_side: warning: llmpace counted {figures['output_tokens_min']}-"
              f"{figures['output_tokens_max']} output tokens per request, not {tokens}",
              file=sys.stderr)
    return row


def print_table(rows, runs):
    if runs > 1:
        print(f"\nmedians of {runs} runs (the run with the median CPU per request; its range "
              "in the last column)")
    print(f"\n{'tokens':>6} {'tool':<8} {'requests':>9} {'errors':>6} {'req/s':>9} "
          f"{'client CPU':>10} {'CPU/request':>11} {'user':>7} {'system':>7} {'CPU/chunk':>9} "
          f"{'server CPU':>10} {'other':>6}" + ("  CPU/request range" if runs > 1 else ""))
    for row in rows:
        spread = row["cpu_per_request_us_runs"]
        print(f"{row['tokens']:>6} {row['tool']:<8} {row['done']:>9} {row['errors']:>6} "
              f"{row['requests_per_s']:>9.0f} {row['client_cpu_percent']:>9.0f}% "
              f"{row['cpu_per_request_us']:>9.1f}µs {row['user_per_request_us']:>5.1f}µs "
              f"{row['system_per_request_us']:>5.1f}µs {row['cpu_per_chunk_us']:>7.2f}µs "
              f"{row['server_cpu_percent']:>9.0f}% {row['other_cpu_percent']:>5.0f}%" +
              (f"  {spread[0]:.1f}-{spread[-1]:.1f}µs" if runs > 1 else ""))
    busiest = max(row["other_cpu_percent"] for row in rows)
    if busiest > 15:
        print(f"note: the rest of the machine was busy (other up to {busiest:.0f}% of a core): "
              "noisy figures")
    print(f"\n{'tokens':>6} " + " ".join(f"{h:>22}" for h in (
        "llmpace÷wrk CPU/req", "llmpace÷h2load CPU/req", "llmpace÷wrk req/s",
        "llmpace÷h2load req/s", "llmpace÷wrk user", "llmpace÷wrk system")))
    for tokens in sorted({row["tokens"] for row in rows}):
        by_tool = {row["tool"]: row for row in rows if row["tokens"] == tokens}
        cells = []
        for other, key in (("wrk", "cpu_per_request_us"), ("h2load", "cpu_per_request_us"),
                           ("wrk", "requests_per_s"), ("h2load", "requests_per_s"),
                           ("wrk", "user_per_request_us"), ("wrk", "system_per_request_us")):
            if "llmpace" in by_tool and other in by_tool and by_tool[other][key]:
                cells.append(f"{by_tool['llmpace'][key] / by_tool[other][key]:>21.2f}×")
            else:
                cells.append(f"{'–':>22}")
        print(f"{tokens:>6} " + " ".join(cells))


def side_by_side(args, work_dir):
    rows = []
    bodies = {}
    sim = simulator(args) if args.server == "sim" else None
    try:
        for tokens in args.token_counts:
            body = capture_body(args, tokens)
            bodies[tokens] = body.decode()
            body_path = os.path.join(work_dir, f"body-{tokens}.json")
            with open(body_path, "wb") as file:
                file.write(body)
            server = sim or canned_server(args, tokens)
            try:
                for run in range(1, args.runs + 1):
                    for tool in args.tool_list:
                        row = measure(args, server, tool, tokens, body_path, work_dir)
                        row["run"] = run
                        rows.append(row)
                        print(f"  {tokens} tokens, {tool}, run {run}: "
                              f"{row['cpu_per_request_us']:.1f} µs CPU per request, "
                              f"{row['requests_per_s']:.0f} req/s, other "
                              f"{row['other_cpu_percent']:.0f}%", file=sys.stderr)
            finally:
                if server is not sim:
                    server.stop()
    finally:
        if sim:
            sim.stop()
    medians = median_rows(rows)
    print_table(medians, args.runs)
    return {"rows": medians, "runs": rows, "request_bodies": bodies,
            "llmpace_to_wrk_cpu": cpu_ratios(medians)}


def cpu_ratios(rows):
    """Per token count, llmpace's CPU per request ÷ wrk's: the figure a regression is judged on
    (a ratio to wrk on the same machine and minute, so a slower or busier machine cancels out)."""
    ratios = {}
    for tokens in sorted({row["tokens"] for row in rows}):
        by_tool = {row["tool"]: row for row in rows if row["tokens"] == tokens}
        if "llmpace" in by_tool and "wrk" in by_tool and by_tool["wrk"]["cpu_per_request_us"]:
            ratios[str(tokens)] = round(by_tool["llmpace"]["cpu_per_request_us"] /
                                        by_tool["wrk"]["cpu_per_request_us"], 3)
    return ratios


def measuring_argv():
    """This run's arguments without those naming files to read or write."""
    argv, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in ("--json", "--baseline", "--write-baseline"):
            skip = True
        elif not arg.startswith(("--json=", "--baseline=", "--write-baseline=")):
            argv.append(arg)
    return argv


def machine():
    """The CPU model and hypervisor: the ratios depend on them (a system call under one hypervisor
    costs twice what it costs under another, and wrk is mostly system calls)."""
    fields = {}
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    for line in lscpu.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return " ".join(filter(None, [fields.get("Model name"), fields.get("Hypervisor vendor")]))


def compare_with_baseline(ratios, path):
    """Prints each token count's ratio against the baseline's; True if none regressed > 20 %, or
    if the baseline was measured on another machine (then the figures are not comparable)."""
    with open(path) as file:
        baseline = json.load(file)
    print(f"\nagainst the baseline {path} (llmpace÷wrk CPU per request, "
          f"measured {baseline.get('measured', '?')} at {baseline.get('commit', '?')}):")
    here = machine()
    if baseline.get("machine") and baseline["machine"] != here:
        print(f"  not comparable: the baseline was measured on '{baseline['machine']}', this is "
              f"'{here}'; record one here with --write-baseline")
        return True
    ok = True
    for tokens, ratio in ratios.items():
        before = baseline["ratios"].get(tokens)
        if before is None:
            print(f"{tokens:>6} tokens: {ratio:.2f}× (no baseline)")
            continue
        change = ratio / before - 1
        regressed = change > REGRESSION_LIMIT
        ok = ok and not regressed
        print(f"{tokens:>6} tokens: {ratio:.2f}× against {before:.2f}× ({change:+.0%})" +
              ("  REGRESSION: more than 20 % more CPU per request" if regressed else ""))
    return ok


def median_rows(rows):
    """Per token count and tool, the run with the median CPU per request (the lower of two)."""
    medians = []
    for key in dict.fromkeys((row["tokens"], row["tool"]) for row in rows):
        runs = sorted((row for row in rows if (row["tokens"], row["tool"]) == key),
                      key=lambda row: row["cpu_per_request_us"])
        median = dict(runs[(len(runs) - 1) // 2])
        median["cpu_per_request_us_runs"] = [row["cpu_per_request_us"] for row in runs]
        medians.append(median)
    return medians


# ---- open loop --------------------------------------------------------------------------------


def open_loop(args, work_dir):
    rows = []
    with canned_server(args, 1) as server:
        for threads in [int(t) for t in args.open_loop_threads.split(",") if t]:
            report = os.path.join(work_dir, f"open-loop-{threads}.json")
            command = [args.llmpace, "benchmark", "--target", server.url, "--threads",
                       str(threads), "--profile", "constant", "--rate", f"{args.open_loop:g}",
                       "--max-seconds", f"{args.seconds:g}", "--quiet", "--output",
                       report] + llmpace_workload(args, 1)
            busy_before, server_before = machine_busy_s(), server.cpu_s()
            code, user_s, system_s, wall_s = run_client(
                args, command, os.path.join(work_dir, f"open-{threads}.out"),
                args.seconds * 3 + 30)
            cpu_s = user_s + system_s
            server_cpu_s = server.cpu_s() - server_before
            other_s = machine_busy_s() - busy_before - server_cpu_s - cpu_s
            if not os.path.exists(report):
                die(f"llmpace --threads {threads} wrote no report (exit {code})")
            figures = llmpace_figures(report)
            rows.append({"threads": threads, "rate": args.open_loop, "command": command,
                         "exit_code": code, "client_cpu_s": cpu_s, "wall_s": wall_s,
                         "server_cpu_s": server_cpu_s, "other_cpu_s": max(other_s, 0.0),
                         "cpu_per_request_us": 1e6 * cpu_s / max(figures["done"], 1),
                         **figures})
    print(f"\nopen loop, constant {args.open_loop:g} req/s, 1-token streams, canned server, "
          f"client on CPU {args.client_cpu}")
    print(f"{'threads':>7} {'sent req/s':>10} {'ok req/s':>9} {'errors':>6} {'lag p50':>9} "
          f"{'lag p99':>9} {'lag p99.9':>9} {'dispatch p99':>12} {'limited':>7} "
          f"{'CPU/request':>11} {'client CPU':>10} {'server CPU':>10} {'other':>6}")
    for row in rows:
        lag, dispatch = row["send_lag_ms"], row["dispatch_lag_ms"]
        print(f"{row['threads']:>7} {row['sent_requests_per_s']:>10.0f} "
              f"{row['requests_per_s']:>9.0f} {row['errors']:>6} {lag['p50']:>7.3f}ms "
              f"{lag['p99']:>7.3f}ms {lag['p99_9']:>7.3f}ms {dispatch['p99']:>10.3f}ms "
              f"{str(row['client_limited']).lower():>7} {row['cpu_per_request_us']:>9.1f}µs "
              f"{100 * row['client_cpu_s'] / row['wall_s']:>9.0f}% "
              f"{100 * row['server_cpu_s'] / row['wall_s']:>9.0f}% "
              f"{100 * row['other_cpu_s'] / row['wall_s']:>5.0f}%")
    return {"open_loop": rows}


# ---- memory per stream ------------------------------------------------------------------------


def proc_status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def open_sockets(pid):
    count = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


def hold_streams(args, server, streams, work_dir):
    """Peak and current RSS (KiB) of llmpace once `streams` streams are open and settled."""
    seconds = 3600
    report = os.path.join(work_dir, f"streams-{streams}.json")
    command = ["taskset", "-c", args.client_cpu, args.llmpace, "benchmark", "--target",
               server.url, "--threads", "1", "--profile", "concurrent", "--rate", str(streams),
               "--max-seconds", str(seconds), "--quiet", "--output", report,
               "--connect-timeout", "60"] + llmpace_workload(args, args.stream_output_tokens)
    with open(os.path.join(work_dir, f"streams-{streams}.out"), "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        started = time.monotonic()
        while open_sockets(process.pid) < streams:
            if process.poll() is not None:
                die(f"llmpace exited ({process.returncode}) before {streams} streams were open")
            if time.monotonic() - started > 300:
                die(f"{streams} streams not open after 300 s ({open_sockets(process.pid)} are)")
            time.sleep(0.2)
        ramp_s = time.monotonic() - started
        time.sleep(args.stream_settle_s)
        sockets = open_sockets(process.pid)
        rss = proc_status_kib(process.pid, "VmRSS")
        hwm = proc_status_kib(process.pid, "VmHWM")
        return {"streams": streams, "sockets": sockets, "ramp_s": ramp_s, "vm_rss_kib": rss,
                "vm_hwm_kib": hwm, "command": command}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory_per_stream(args, work_dir):
    hard = raise_open_file_limit()
    if hard < args.streams + 100:
        die(f"RLIMIT_NOFILE hard limit {hard} is too low for {args.streams} streams")
    with simulator(args, itl_ms=1000) as server:
        one = hold_streams(args, server, 1, work_dir)
        many = hold_streams(args, server, args.streams, work_dir)
    per_stream_hwm = (many["vm_hwm_kib"] - one["vm_hwm_kib"]) / (args.streams - 1)
    per_stream_rss = (many["vm_rss_kib"] - one["vm_rss_kib"]) / (args.streams - 1)
    print(f"\nconcurrent streams held by llmpace --threads 1 (llmpace sim --itl-ms 1000, "
          f"{args.stream_output_tokens} output tokens each, RSS {args.stream_settle_s:g} s after "
          "all were open)")
    print(f"{'streams':>8} {'sockets':>8} {'ramp':>7} {'VmHWM':>10} {'VmRSS':>10}")
    for row in (one, many):
        print(f"{row['streams']:>8} {row['sockets']:>8} {row['ramp_s']:>6.1f}s "
              f"{row['vm_hwm_kib'] / 1024:>7.1f}MiB {row['vm_rss_kib'] / 1024:>7.1f}MiB")
    print(f"per stream: {per_stream_hwm:.1f} KiB (peak, VmHWM), {per_stream_rss:.1f} KiB (VmRSS)")
    return {"streams": [one, many], "kib_per_stream_hwm": per_stream_hwm,
            "kib_per_stream_rss": per_stream_rss}


def main():
    sys.stdout.reconfigure(line_buffering=True)  # the table between the progress lines on stderr
    args = parse_args()
    check_tools(args)
    raise_open_file_limit()
    if args.streams is not None and args.streams < 2:
        die("--streams needs at least 2")
    print(f"side_by_side: {os.cpu_count()} CPUs, server on CPU {args.server_cpu}, clients on CPU "
          f"{args.client_cpu}; {load_average()} at the start", file=sys.stderr)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="side_by_side.") as work_dir:
        if args.open_loop:
            result = open_loop(args, work_dir)
        elif args.streams:
            result = memory_per_stream(args, work_dir)
        else:
            print(f"server: {args.server}, {args.connections} connections, {args.seconds:g} s "
                  f"per tool, prompt {args.prompt_tokens} tokens", file=sys.stderr)
            result = side_by_side(args, work_dir)
    print(f"\n{load_average()} at the end", file=sys.stderr)
    if args.json:
        result.update({"argv": sys.argv, "server": args.server, "seconds": args.seconds,
                       "connections": args.connections, "started_unix_s": started,
                       "load_average_end": os.getloadavg(), "cpus": os.cpu_count()})
        with open(args.json, "w") as file:
            json.dump(result, file, indent=1)
    ratios = result.get("llmpace_to_wrk_cpu")
    if ratios and args.write_baseline:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        with open(args.write_baseline, "w") as file:
            json.dump({"commit": commit, "measured": time.strftime("%Y-%m-%d"), "machine": machine(),
                       "argv": measuring_argv(), "ratios": ratios}, file, indent=1)
            file.write("\n")
    if ratios and args.baseline != "none" and args.server == "canned":
        if not os.path.exists(args.baseline):
            die(f"no baseline at {args.baseline} (--baseline none to skip)")
        if not compare_with_baseline(ratios, args.baseline):
            sys.exit(1)


if __name__ == "__main__":
    main()
