"""The processes of the live dashboard test, all on 127.0.0.1: two simulators, a Pushgateway and a
Prometheus scraping them. Every process is started here, logs to a file in the scratch directory
and is stopped (SIGTERM, then SIGKILL after 10 s) when the Stack closes. Stdlib only.
"""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


class StackError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


class Stack:
    def __init__(self, scratch):
        self.scratch = scratch
        self.processes = []  # (name, Popen, log path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()

    def start(self, name, argv):
        log_path = os.path.join(self.scratch, name + ".log")
        log = open(log_path, "wb")
        try:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        except OSError as error:
            raise StackError(f"{name}: cannot start {argv[0]}: {error}") from error
        finally:
            log.close()
        self.processes.append((name, process, log_path))
        return process

    def log_tail(self, name, lines=15):
        for process_name, _, log_path in self.processes:
            if process_name == name:
                with open(log_path, encoding="utf-8", errors="replace") as f:
                    return "".join(f.readlines()[-lines:])
        return ""

    def describe_failure(self):
        return "\n".join(f"--- {name} (exit {process.poll()}):\n{self.log_tail(name)}"
                         for name, process, _ in self.processes)

    def stop_all(self):
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _running(self, name, process):
        if process.poll() is not None:
            raise StackError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def wait_until(self, what, ready, deadline_s, watch=()):
        """Polls ready() every 0.2 s until it returns a true value or the deadline passes; fails
        at once when one of the watched (name, process) pairs exits."""
        deadline = time.monotonic() + deadline_s
        while True:
            for name, process in watch:
                self._running(name, process)
            value = ready()
            if value:
                return value
            if time.monotonic() > deadline:
                raise StackError(f"timed out after {deadline_s} s waiting for {what}")
            time.sleep(0.2)

    def start_sim(self, name, llmpace, preset, model):
        """`llmpace sim` on ephemeral ports; returns (http port, DCGM port) from its stdout."""
        process = self.start(name, [llmpace, "sim", "--host", "127.0.0.1", "--port", "0",
                                    "--preset", preset, "--dcgm-port", "0", "--model", model])

        def ports():
            text = self.log_tail(name, 50)
            http_port = dcgm_port = None
            for line in text.splitlines():
                if line.startswith("llmpace sim listening on http://127.0.0.1:"):
                    http_port = int(line.rsplit(":", 1)[1])
                elif line.startswith("llmpace sim DCGM metrics on port "):
                    dcgm_port = int(line.rsplit(" ", 1)[1])
            return (http_port, dcgm_port) if http_port and dcgm_port else None

        return self.wait_until(f"{name} to listen", ports, 15, [(name, process)])

    def start_on_free_port(self, name, argv_for_port, ready_path, attempts=3):
        """Starts a server on a free port (another test may take the port first: retried) and
        waits until GET ready_path answers 200; returns the port."""
        for attempt in range(attempts):
            port = free_port()
            process_name = name if attempt == 0 else f"{name}-{attempt}"
            process = self.start(process_name, argv_for_port(port))

            def ready():
                try:
                    return http_get(f"http://127.0.0.1:{port}{ready_path}", 2)[0] == 200
                except (OSError, urllib.error.URLError):
                    return False

            try:
                self.wait_until(f"{name} on port {port}", ready, 30, [(process_name, process)])
                return port
            except StackError:
                if process.poll() is None or attempt + 1 == attempts:
                    raise
        raise StackError(f"{name}: no port")


class Prometheus:
    """The HTTP API of the Prometheus under test."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def _api(self, path, params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            _, body = http_get(url, 10)
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace")
        reply = json.loads(body)
        if reply.get("status") != "success":
            raise StackError(f"{path} {params}: {reply.get('errorType')}: {reply.get('error')}")
        return reply["data"]

    def query(self, expr):
        """The instant vector (or scalar, as one sample without labels) of expr, now."""
        data = self._api("/api/v1/query", {"query": expr})
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        if data["resultType"] != "vector":
            raise StackError(f"{expr}: a {data['resultType']}, not an instant vector")
        return data["result"]

    def label_values(self, label, selector=None):
        params = {"match[]": [selector]} if selector else {}
        return sorted(self._api(f"/api/v1/label/{label}/values", params))

    def targets_up(self):
        active = self._api("/api/v1/targets", {"state": "active"})["activeTargets"]
        return active and all(t.get("health") == "up" for t in active)
