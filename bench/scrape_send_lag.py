#!/usr/bin/env python3
"""Send lag with and without scraping (issue 14): does reading the server's and GPUs' metrics
beside the load delay any request?

Starts one simulator (`llmpace sim --preset fast`, on loopback), then runs the same constant-rate
benchmark against it alternately with scraping off and with the server's /metrics and
/dcgm/metrics scraped every INTERVAL seconds, ROUNDS times each, and prints the send-lag and
dispatch-lag percentiles of every run and their medians per configuration.

Usage: bench/scrape_send_lag.py BUILD_DIR [--rate 200] [--seconds 15] [--rounds 3]
       [--interval 1] [--threads 1]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile


def start_sim(binary):
    sim = subprocess.Popen([binary, "sim", "--port", "0", "--preset", "fast"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in sim.stdout:
        if "http://" in line:
            url = line[line.index("http://"):].split()[0].rstrip(".,")
            return sim, url
    raise SystemExit("the simulator printed no URL")


def run(binary, url, args, scrape, output):
    command = [binary, "benchmark", "--target", url, "--profile", "constant", "--rate",
               str(args.rate), "--max-seconds", str(args.seconds), "--threads", str(args.threads),
               "--data", "prompt_tokens=64,output_tokens=16", "--tokenizer", "approx",
               "--quiet", "--output", output]
    if scrape:
        command += ["--server-metrics", url + "/metrics", "--gpu-metrics", url + "/dcgm/metrics",
                    "--scrape-interval", str(args.interval), "--settle-pause", "0"]
    else:
        command += ["--server-metrics", "off"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(output) as report:
        benchmark = json.load(report)["benchmarks"][0]
    metrics = benchmark["metrics"]
    scrapes = sum(e["scrapes"] for e in (benchmark.get("telemetry") or {}).get("endpoints", []))
    return {"send_p50": metrics["send_lag_ms"]["p50"], "send_p99": metrics["send_lag_ms"]["p99"],
            "send_max": metrics["send_lag_ms"]["max"],
            "dispatch_p99": metrics["dispatch_lag_ms"]["p99"], "scrapes": scrapes,
            "requests": benchmark["requests"]["successful"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    binary = f"{args.build_dir}/apps/llmpace/llmpace"
    sim, url = start_sim(binary)
    results = {"off": [], "on": []}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for round_index in range(args.rounds):
                for config in ("off", "on"):
                    result = run(binary, url, args, config == "on", f"{scratch}/r.json")
                    results[config].append(result)
                    print(f"round {round_index + 1} scraping {config:3}: " +
                          " ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in result.items()), flush=True)
    finally:
        sim.terminate()
        sim.wait()
    for config, runs in results.items():
        print(f"median, scraping {config}: " + " ".join(
            f"{key} {statistics.median(r[key] for r in runs):.3f}"
            for key in ("send_p50", "send_p99", "send_max", "dispatch_p99")))


if __name__ == "__main__":
    sys.exit(main())
