#!/usr/bin/python3
"""How far llmpace's TTFT is from the simulator's ground truth.

Joins the simulator's --trace (server times) with llmpace's .jsonl request log (client times) on
the X-Request-Id llmpace sends, and prints percentiles of |client TTFT - server TTFT|, where the
server TTFT runs from the request read to the start of the first token's write. It also splits the
error into its two halves by aligning the two clocks on the smallest send-to-read offset.

  llmpace sim --port 8000 --preset fast --trace trace.jsonl &
  llmpace benchmark --target http://127.0.0.1:8000 --profile concurrent --rate 100 \
      --max-requests 1000 --data prompt_tokens=128,output_tokens=16 --output client.jsonl
  bench/trace_agreement.py trace.jsonl client.jsonl
"""
import json
import sys


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, max(0, int(q * len(values) + 0.5) - 1))]
    return "p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms" % (
        pick(0.5), pick(0.9), pick(0.99), values[-1])


def main(trace_path, client_path):
    server = {}
    with open(trace_path) as trace:
        for line in trace:
            record = json.loads(line)
            if record.get("request_id"):
                server[record["request_id"]] = record
    pairs = []
    with open(client_path) as log:
        for line in log:
            client = json.loads(line)
            truth = server.get(client.get("request_id"))
            if truth and client.get("ttft_ms") is not None and truth["first_token_ns"]:
                pairs.append((client, truth))
    if not pairs:
        sys.exit("no request of the client log is in the trace")
    differences = [
        abs(c["ttft_ms"] - (t["first_token_ns"] - t["arrival_ns"]) / 1e6) for c, t in pairs]
    # Client times are offsets from its benchmark start; the smallest (server read - client send)
    # pins that start on the server's clock, up to the fastest request's transit.
    start_ms = min(t["arrival_ns"] / 1e6 - c["sent_ms"] for c, t in pairs)
    arrival = [t["arrival_ns"] / 1e6 - (start_ms + c["sent_ms"]) for c, t in pairs]
    token = [(start_ms + c["first_token_ms"]) - t["first_token_ns"] / 1e6 for c, t in pairs]
    print("requests joined: %d" % len(pairs))
    print("|client TTFT - server TTFT|:  " + percentiles(differences))
    print("  send -> server read:        " + percentiles(arrival))
    print("  server write -> client read: " + percentiles(token))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
