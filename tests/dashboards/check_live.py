#!/usr/bin/env python3
"""Every panel query of llmpace's dashboards returns data from a real Prometheus.

    check_live.py --llmpace BIN --prometheus BIN --pushgateway BIN DASHBOARD.json...

On 127.0.0.1: two `llmpace sim` servers (the bf16 and the INT4 Mistral-Small-24B H100 presets,
each with its DCGM endpoint), a Pushgateway, and a Prometheus scraping all of them every second,
labelled as OpenShift's monitoring labels them:
- each simulator's /metrics as the vLLM predictor pod `namespace`/`pod` of its InferenceService;
- the bf16 simulator's DCGM endpoint as the demo overlay scrapes it (the predictor pod's labels);
- the INT4 one as a real dcgm-exporter: the exporter's own pod, and the predictor pod in
  `exported_pod`/`exported_namespace`;
- the Pushgateway without honor_labels, as OpenShift's user-workload Prometheus does, so pushed
  series arrive with `exported_job` (checked).
Then `llmpace suite run` of one 4-second scenario against both simulators (variants bf16 and int4,
GPU metrics scraped) pushes its results to the Pushgateway, and every variable's
label_values query and every panel target's expr, with the variables substituted as Grafana does
(All = every value), evaluated through /api/v1/query until each returns at least one series with
a finite value (deadline 30 s). Where the result is per model or per variant, every model or
variant must be there; the GPU memory panels must read the presets' footprints (~50 GB bf16,
~16 GB INT4). A missing binary fails the test.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_model  # noqa: E402
from live_stack import Prometheus, Stack, StackError  # noqa: E402

NAMESPACE = "llmpace-demo"
VARIANTS = {
    # variant: (served model name, simulator preset, predictor pod)
    "bf16": ("mistral-small-24b-bf16", "mistral-small-24b-bf16-h100",
             "mistral-small-24b-bf16-predictor-6f9c7d8b4-x2k9q"),
    "int4": ("mistral-small-24b-int4", "mistral-small-24b-int4-h100",
             "mistral-small-24b-int4-predictor-5b8d6c7f9-p4m7t"),
}
MODELS = sorted(model for model, _, _ in VARIANTS.values())
# Panels whose values are checked, by dashboard and title: label value -> (low, high).
FOOTPRINT_BYTES = {"bf16": (40e9, 60e9), "int4": (10e9, 25e9)}
VALUE_CHECKS = {
    ("bf16-vs-int4.json", "GPU memory used"): (
        "model_name", {VARIANTS[v][0]: r for v, r in FOOTPRINT_BYTES.items()}),
    ("bf16-vs-int4.json", "GPU memory footprint, latest run"): ("variant", FOOTPRINT_BYTES),
}
QUERY_DEADLINE_S = 30


def prometheus_config(sims, pushgateway_port):
    def predictor(variant):
        model, _, pod = VARIANTS[variant]
        return {"namespace": NAMESPACE, "pod": pod, "service": model + "-predictor"}

    bf16_http, bf16_dcgm = sims["bf16"]
    int4_http, int4_dcgm = sims["int4"]
    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "predictors", "static_configs": [
                {"targets": [f"127.0.0.1:{bf16_http}"], "labels": predictor("bf16")},
                {"targets": [f"127.0.0.1:{int4_http}"], "labels": predictor("int4")}]},
            {"job_name": "llmpace-sim-dcgm", "static_configs": [
                {"targets": [f"127.0.0.1:{bf16_dcgm}"], "labels": predictor("bf16")}]},
            {"job_name": "nvidia-dcgm-exporter",
             "static_configs": [{"targets": [f"127.0.0.1:{int4_dcgm}"],
                                 "labels": {"namespace": "nvidia-gpu-operator",
                                            "pod": "nvidia-dcgm-exporter-7wq5z"}}],
             "metric_relabel_configs": [
                 {"target_label": "exported_pod", "replacement": VARIANTS["int4"][2]},
                 {"target_label": "exported_namespace", "replacement": NAMESPACE}]},
            {"job_name": "llmpace-pushgateway", "honor_labels": False,
             "static_configs": [{"targets": [f"127.0.0.1:{pushgateway_port}"],
                                 "labels": {"namespace": NAMESPACE,
                                            "pod": "llmpace-pushgateway-84c9f7d5b-q8r2n"}}]},
        ],
    }


SCENARIO = """\
# Short enough for a test: 4 concurrent streams for 4 s.
profile: concurrent
rate: 4
max_seconds: 4
data:
  prompt_tokens: 256
  output_tokens: 32
"""
SUITE = "dashboards"


def suite_file(sims):
    """A suite of one scenario against the two simulators, each with its GPU metrics."""
    lines = [f"suite: {SUITE}", "description: the dashboards' live test", "scenarios:",
             "  - chat.yaml", "variants:"]
    for variant, (model, _, _) in VARIANTS.items():
        http_port, dcgm_port = sims[variant]
        lines += [f"  - name: {variant}", f"    labels: {{quantization: {variant}}}",
                  f"    target: http://127.0.0.1:{http_port}", f"    model: {model}",
                  f"    gpu_metrics: [http://127.0.0.1:{dcgm_port}/metrics]"]
    return "\n".join(lines) + "\n"


def wait_for(stack, name, process):
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired as error:
        raise StackError(f"{name} still running after 60 s") from error
    if code != 0:
        raise StackError(f"{name} exited with {code}:\n{stack.log_tail(name)}")


def run_load(stack, llmpace, sims, pushgateway_port):
    """`llmpace suite run` of one short scenario against both simulators, its results pushed to
    the Pushgateway. Returns the labels the pushed series must carry: {label: {value}}."""
    with open(os.path.join(stack.scratch, "chat.yaml"), "w", encoding="utf-8") as f:
        f.write(SCENARIO)
    suite_path = os.path.join(stack.scratch, "suite.yaml")
    with open(suite_path, "w", encoding="utf-8") as f:
        f.write(suite_file(sims))
    wait_for(stack, "suite-run", stack.start("suite-run", [
        llmpace, "suite", "run", suite_path, "--quiet",
        "--output-dir", os.path.join(stack.scratch, "results"),
        "--push-gateway", f"http://127.0.0.1:{pushgateway_port}"]))
    return {"suite": {SUITE}, "scenario": {"chat"}, "variant": set(VARIANTS)}


def resolve_variables(prometheus, dashboard, expected_sets):
    """Each variable as Grafana resolves it (All where it offers All), or raises StackError."""
    values = {}
    for variable in dashboard_model.variables(dashboard):
        name = variable["name"]
        if variable.get("type") == "custom":
            values[name] = dashboard_model.static_values(dashboard)[name]
        if variable.get("type") != "query":
            continue
        selector, label = dashboard_model.parse_label_values(
            dashboard_model.variable_query(variable))
        if selector:
            selector, _ = dashboard_model.interpolate(selector, values)
        found = prometheus.label_values(label, selector)
        if not found:
            raise StackError(f"variable {name}: label_values({selector}, {label}) is empty")
        if label in expected_sets and set(found) != expected_sets[label]:
            raise StackError(f"variable {name}: {found}, expected {sorted(expected_sets[label])}")
        values[name] = dashboard_model.variable_value(variable, found)
    return values


def target_problem(prometheus, expr, expected_sets, value_check):
    """None when expr returns what the panel needs, else what is wrong."""
    try:
        result = prometheus.query(expr)
    except StackError as error:
        return str(error)
    finite = [s for s in result if dashboard_model.is_finite(s["value"][1])]
    if not finite:
        return f"{len(result)} series, none with a finite value"
    for label, expected in expected_sets.items():
        seen = {s["metric"].get(label) for s in finite if label in s["metric"]}
        if seen and seen != expected:
            return f"{label} {sorted(seen)}, expected {sorted(expected)}"
    if value_check:
        label, ranges = value_check
        for series in finite:
            low, high = ranges.get(series["metric"].get(label), (None, None))
            value = float(series["value"][1])
            if low is None or not low <= value <= high:
                return f"{series['metric']} = {value:.4g}, expected within {ranges}"
    return None


def check_dashboards(prometheus, dashboards, expected_sets, value_checks):
    """(problems, count of targets) over every dashboard, as of now."""
    problems = []
    count = 0
    for stem, dashboard in dashboards:
        try:
            values = resolve_variables(prometheus, dashboard, expected_sets)
        except StackError as error:
            problems.append(f"{stem}: {error}")
            continue
        for panel in dashboard_model.query_panels(dashboard):
            for target in panel.get("targets", []):
                count += 1
                expr, unknown = dashboard_model.interpolate(target["expr"], values)
                check = value_checks.get((stem, panel.get("title")))
                problem = (f"unknown variables {unknown}" if unknown else
                           target_problem(prometheus, expr, expected_sets, check))
                if problem:
                    problems.append(f"{stem}: panel {panel['id']} {panel.get('title')!r} "
                                    f"target {target.get('refId')}: {problem}\n    {expr}")
    return problems, count


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llmpace", required=True)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--pushgateway", required=True)
    parser.add_argument("dashboards", nargs="+")
    args = parser.parse_args()
    dashboards = [(os.path.basename(p), dashboard_model.load(p)) for p in args.dashboards]
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="llmpace-dashboards-live-") as scratch, \
            Stack(scratch) as stack:
        try:
            sims = {variant: stack.start_sim(f"sim-{variant}", args.llmpace, preset, model)
                    for variant, (model, preset, _) in VARIANTS.items()}
            pushgateway_port = stack.start_on_free_port(
                # Debian's Pushgateway keeps its groups in /var/lib/prometheus/pushgateway.data
                # unless told otherwise: in memory only, so no run sees another's results.
                "pushgateway", lambda port: [args.pushgateway,
                                             f"--web.listen-address=127.0.0.1:{port}",
                                             "--persistence.file="],
                "/-/ready")
            config_path = os.path.join(scratch, "prometheus.yml")
            with open(config_path, "w", encoding="utf-8") as f:
                json.dump(prometheus_config(sims, pushgateway_port), f, indent=1)
            prometheus_port = stack.start_on_free_port(
                "prometheus", lambda port: [
                    args.prometheus, f"--config.file={config_path}",
                    f"--storage.tsdb.path={os.path.join(scratch, 'tsdb')}",
                    f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                "/-/ready")
            prometheus = Prometheus(prometheus_port)
            stack.wait_until("every scrape target up", prometheus.targets_up, 15)
            print(f"simulators, Pushgateway and Prometheus up after "
                  f"{time.monotonic() - started:.1f} s", flush=True)

            expected_sets = dict(run_load(stack, args.llmpace, sims, pushgateway_port),
                                 model_name=set(MODELS))
            print(f"suite run and pushes done after {time.monotonic() - started:.1f} s",
                  flush=True)

            # The pushed series must have come through as OpenShift keeps them.
            stack.wait_until("pushed series with exported_job", lambda: prometheus.query(
                'llmpace_run_info{exported_job="llmpace"}'), 15)
            if prometheus.query('llmpace_run_info{job="llmpace"}'):
                raise StackError("pushed series kept job=llmpace: honor_labels is not off")

            last = {}

            def all_answer():
                last["problems"], last["count"] = check_dashboards(
                    prometheus, dashboards, expected_sets, VALUE_CHECKS)
                return not last["problems"]

            try:
                stack.wait_until("every panel query to return data", all_answer,
                                 QUERY_DEADLINE_S)
            except StackError as error:
                print("\n".join(last.get("problems", [])))
                raise error
            print(f"{last['count']} panel queries of {len(dashboards)} dashboards return data "
                  f"({time.monotonic() - started:.1f} s)")
            return 0
        except StackError as error:
            print(f"FAILED: {error}")
            print(stack.describe_failure())
            return 1


if __name__ == "__main__":
    sys.exit(main())
