#!/usr/bin/env python3
# Time for N new connections to each get an answer to GET /health from a simulator that is busy
# streaming to `load` other connections. Usage: accept_probe.py LLMPACE_BINARY
import socket, subprocess, sys, time, selectors, os
binary = sys.argv[1]
port = 18123
sim = subprocess.Popen([binary, "sim", "--port", str(port), "--itl-ms", "5", "--ttft-ms", "5",
                        "--jitter", "0", "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)
load = subprocess.Popen([binary, "benchmark", "--target", f"http://127.0.0.1:{port}", "--profile",
                         "concurrent", "--rate", "600", "--max-seconds", "12", "--threads", "1",
                         "--data", "prompt_tokens=16,output_tokens=5000", "-q"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(4.0)
N = 1000
sel = selectors.DefaultSelector()
start = time.monotonic()
socks = []
for i in range(N):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    socks.append(s); sel.register(s, selectors.EVENT_WRITE, i)
done_at = {}
sent = set()
while len(done_at) < N and time.monotonic() - start < 30:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj; i = key.data
        if ev & selectors.EVENT_WRITE and i not in sent:
            s.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); sent.add(i)
            sel.modify(s, selectors.EVENT_READ, i)
        elif ev & selectors.EVENT_READ:
            if s.recv(4096): done_at[i] = time.monotonic() - start
            sel.unregister(s)
times = sorted(done_at.values())
print(f"{len(times)}/{N} answered; p50 {times[len(times)//2]*1000:.0f} ms, p99 {times[int(len(times)*0.99)-1]*1000:.0f} ms, last {times[-1]*1000:.0f} ms")
load.kill(); sim.kill()
