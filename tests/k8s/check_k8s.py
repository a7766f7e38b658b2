#!/usr/bin/env python3
"""Checks of the kustomize tree in k8s/ (docs/kubernetes.md), without an API server.

  check_k8s.py build ROOT             every kustomization builds; the objects the docs promise
                                      are there, with the Job's and CronJob's settings
  check_k8s.py copies ROOT            k8s/base/scenarios/ equals scenarios/, every file listed
  check_k8s.py validate ROOT          every object against its schema: Kubernetes' and
                                      prometheus-operator's (npm, tests/k8s/node_modules), the
                                      grafana-operator's CRDs (schemas/), Tekton's rules here
  check_k8s.py policy ROOT            every pod template passes OpenShift's restricted-v2 SCC
  check_k8s.py policy --self-test ROOT    the policy check finds every planted violation of
                                      testdata/restricted-v2-violations.yaml, and only those
  check_k8s.py commands ROOT LLMPACE  the Job's, CronJob's and Tekton Task's command lines, run
                                      by the real binary with --dry-run in a directory laid out
                                      as the pod's volumes would be

ROOT is the repository. kubectl (with kustomize v4+), node and the npm packages of
tests/k8s/package-lock.json are needed; a missing tool fails the check.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
KUSTOMIZATIONS = {
    "base": "k8s/base",
    "demo": "k8s/overlays/demo",
    "rhoai": "k8s/overlays/rhoai",
    "tekton": "k8s/tekton",
}
OVERLAYS = ("demo", "rhoai")
EXTRA_FILES = {"tekton-pipelinerun": "k8s/tekton/pipelinerun.yaml"}


class Failures:
    """Collects failures; the check fails at the end when there is any."""

    def __init__(self):
        self.messages = []

    def add(self, message):
        self.messages.append(message)
        print(f"FAIL: {message}")

    def expect(self, condition, message):
        if not condition:
            self.add(message)
        return condition

    def exit_code(self, what):
        if self.messages:
            print(f"{len(self.messages)} failure(s): {what}")
            return 1
        print(f"ok: {what}")
        return 0


# --- Building --------------------------------------------------------------------------------

def kustomize(root, name):
    """The objects `kubectl kustomize` builds of KUSTOMIZATIONS[name]; raises on failure."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not on PATH (it builds the kustomizations)")
    path = os.path.join(root, KUSTOMIZATIONS[name])
    done = subprocess.run([kubectl, "kustomize", path], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {KUSTOMIZATIONS[name]}: {done.stderr.strip()}")
    return [obj for obj in yaml.safe_load_all(done.stdout) if obj]


def build_all(root):
    built = {name: kustomize(root, name) for name in KUSTOMIZATIONS}
    for name, path in EXTRA_FILES.items():
        with open(os.path.join(root, path), encoding="utf-8") as file:
            built[name] = [obj for obj in yaml.safe_load_all(file) if obj]
    return built


def find(objects, kind, name):
    for obj in objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return obj
    return None


def object_name(obj):
    meta = obj.get("metadata", {})
    return f"{obj.get('kind')} {meta.get('name') or meta.get('generateName')}"


def job_pod(job):
    return job["spec"]["template"]["spec"]


def cronjob_pod(cronjob):
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def container(pod, name):
    for entry in pod.get("containers", []):
        if entry.get("name") == name:
            return entry
    return None


# --- build -----------------------------------------------------------------------------------

SUITE_RUN_ARGS = ["suite", "run", "/etc/llmpace/suites/mistral-small-24b.yaml",
                  "--output-dir", "/results", "--baseline", "previous",
                  "--push-gateway", "http://llmpace-pushgateway:9091", "--metrics-port", "9090"]
SECRET_NAME = re.compile(r"TOKEN|API_KEY|APIKEY|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


def check_runner_pod(failures, where, pod):
    runner = container(pod, "llmpace")
    if not failures.expect(runner is not None, f"{where}: no container named llmpace"):
        return
    failures.expect(runner.get("command") == ["llmpace"] and runner.get("args") == SUITE_RUN_ARGS,
                    f"{where}: command {runner.get('command')} {runner.get('args')}")
    failures.expect(runner.get("image") == "llmpace:latest",
                    f"{where}: image {runner.get('image')}, expected llmpace:latest")
    for env in runner.get("env", []):
        failures.expect(not (SECRET_NAME.search(env["name"]) and "value" in env),
                        f"{where}: env {env['name']} holds a literal secret")
    for arg in runner.get("command", []) + runner.get("args", []):
        failures.expect(not re.search(r"--api-key|Bearer|--header", arg),
                        f"{where}: a credential on the command line: {arg}")
    mounts = {m["mountPath"]: m["name"] for m in runner.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}

    def volume_at(path):
        return volumes.get(mounts.get(path), {})

    failures.expect("emptyDir" in volume_at("/tmp"), f"{where}: /tmp is no emptyDir")
    failures.expect(volume_at("/results").get("persistentVolumeClaim", {}).get("claimName")
                    == "llmpace-results", f"{where}: /results is not the PVC llmpace-results")
    failures.expect(volume_at("/var/run/secrets/llmpace").get("secret", {}).get("secretName")
                    == "llmpace-api-token", f"{where}: the token is not the Secret's file")
    service_ca = volume_at("/var/run/llmpace/service-ca").get("configMap", {})
    failures.expect(service_ca.get("name") == "openshift-service-ca.crt"
                    and service_ca.get("optional") is True,
                    f"{where}: openshift-service-ca.crt is not mounted, optional")
    resources = runner.get("resources", {})
    for part in ("requests", "limits"):
        failures.expect(set(resources.get(part, {})) >= {"cpu", "memory"},
                        f"{where}: no cpu and memory {part}")


def check_build(root):
    failures = Failures()
    try:
        built = build_all(root)
    except RuntimeError as error:
        failures.add(str(error))
        return failures.exit_code("the kustomizations build")
    for name in ("base",) + OVERLAYS:
        objects = built[name]
        job = find(objects, "Job", "llmpace-run")
        cronjob = find(objects, "CronJob", "llmpace-nightly")
        if not failures.expect(job and cronjob, f"{name}: no Job llmpace-run or CronJob"):
            continue
        failures.expect(job["spec"].get("backoffLimit") == 0, f"{name}: Job backoffLimit not 0")
        failures.expect(job["spec"].get("activeDeadlineSeconds", 0) > 0,
                        f"{name}: Job without activeDeadlineSeconds")
        spec = cronjob["spec"]
        failures.expect(spec.get("schedule") == "0 0 * * *", f"{name}: schedule {spec.get('schedule')}")
        failures.expect(spec.get("concurrencyPolicy") == "Forbid", f"{name}: concurrencyPolicy")
        for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit",
                    "failedJobsHistoryLimit"):
            failures.expect(spec.get(key, 0) > 0, f"{name}: CronJob without {key}")
        job_spec = spec["jobTemplate"]["spec"]
        failures.expect(job_spec.get("backoffLimit") == 0, f"{name}: CronJob backoffLimit not 0")
        for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished"):
            failures.expect(job_spec.get(key, 0) > 0, f"{name}: CronJob's jobs without {key}")
        failures.expect(job["spec"]["template"] == job_spec["template"],
                        f"{name}: the CronJob's pod template differs from the Job's")
        check_runner_pod(failures, f"{name}: Job", job_pod(job))
        targets = find(objects, "ConfigMap", "llmpace-targets")
        failures.expect(targets is not None, f"{name}: no ConfigMap llmpace-targets")
        for kind, needed in (("ServiceAccount", "llmpace"),
                             ("PersistentVolumeClaim", "llmpace-results"),
                             ("ConfigMap", "llmpace-scenarios"), ("ConfigMap", "llmpace-suites")):
            failures.expect(find(objects, kind, needed), f"{name}: no {kind} {needed}")
    for name in OVERLAYS:
        objects = built[name]
        failures.expect(find(objects, "Secret", "llmpace-api-token"),
                        f"{name}: no Secret llmpace-api-token")
        for needed in ("mistral-small-24b-bf16-predictor", "mistral-small-24b-int4-predictor",
                       "llmpace-live", "llmpace-pushgateway"):
            failures.expect(find(objects, "ServiceMonitor", needed),
                            f"{name}: no ServiceMonitor {needed}")
        pushgateway = find(objects, "ServiceMonitor", "llmpace-pushgateway") or {}
        failures.expect(all(e.get("honorLabels") for e in pushgateway.get("spec", {}).get(
            "endpoints", [{}])), f"{name}: the Pushgateway's ServiceMonitor does not honor labels")
        for kind, needed in (("Deployment", "llmpace-pushgateway"),
                             ("Service", "llmpace-pushgateway"), ("Service", "llmpace-live"),
                             ("Grafana", "llmpace-grafana"),
                             ("GrafanaDatasource", "llmpace-thanos")):
            failures.expect(find(objects, kind, needed), f"{name}: no {kind} {needed}")
        for dashboard in ("gpus", "vllm", "bf16-vs-int4"):
            config_map = find(objects, "ConfigMap", f"llmpace-dashboard-{dashboard}")
            if not failures.expect(config_map, f"{name}: no dashboard ConfigMap {dashboard}"):
                continue
            failures.expect(config_map["metadata"].get("labels", {}).get("grafana_dashboard")
                            == "1", f"{name}: dashboard {dashboard} lacks grafana_dashboard: 1")
            text = config_map.get("data", {}).get(f"{dashboard}.json", "")
            try:
                failures.expect(isinstance(json.loads(text), dict),
                                f"{name}: {dashboard}.json is no JSON object")
            except ValueError as error:
                failures.add(f"{name}: {dashboard}.json: {error}")
            grafana_dashboard = find(objects, "GrafanaDashboard", f"llmpace-{dashboard}")
            failures.expect(grafana_dashboard and grafana_dashboard["spec"].get("configMapRef")
                            == {"name": f"llmpace-dashboard-{dashboard}",
                                "key": f"{dashboard}.json"},
                            f"{name}: no GrafanaDashboard llmpace-{dashboard} of its ConfigMap")
    demo = built["demo"]
    for quantization in ("bf16", "int4"):
        predictor = f"mistral-small-24b-{quantization}-predictor"
        deployment = find(demo, "Deployment", predictor)
        service = find(demo, "Service", predictor)
        if not failures.expect(deployment and service, f"demo: no Deployment and Service {predictor}"):
            continue
        args = deployment["spec"]["template"]["spec"]["containers"][0].get("args", [])
        preset = f"mistral-small-24b-{quantization}-h100"
        failures.expect(args[:5] == ["sim", "--host", "0.0.0.0", "--port", "8080"]
                        and preset in args and "--dcgm-port" in args,
                        f"demo: {predictor} runs {args}")
        targets = find(demo, "ConfigMap", "llmpace-targets")["data"]
        failures.expect(targets[f"LLMPACE_{quantization.upper()}_URL"]
                        == f"http://{predictor}:8080", f"demo: the Job's {quantization} URL")
    rhoai = built["rhoai"]
    namespace = find(rhoai, "ServiceAccount", "llmpace")["metadata"]["namespace"]
    targets = find(rhoai, "ConfigMap", "llmpace-targets")["data"]
    for quantization in ("bf16", "int4"):
        predictor = f"mistral-small-24b-{quantization}-predictor"
        failures.expect(targets[f"LLMPACE_{quantization.upper()}_URL"]
                        == f"https://{predictor}.{namespace}.svc:8443",
                        f"rhoai: the Job's {quantization} URL is "
                        f"{targets[f'LLMPACE_{quantization.upper()}_URL']}")
        endpoint = find(rhoai, "ServiceMonitor", predictor)["spec"]["endpoints"][0]
        failures.expect(endpoint.get("scheme") == "https" and endpoint.get("targetPort") == 8443
                        and endpoint.get("bearerTokenSecret", {}).get("name") == "llmpace-api-token"
                        and endpoint.get("tlsConfig", {}).get("serverName")
                        == f"{predictor}.{namespace}.svc",
                        f"rhoai: ServiceMonitor {predictor} is not https with the token")
    token = find(rhoai, "Secret", "llmpace-api-token") or {}
    failures.expect(token.get("type") == "kubernetes.io/service-account-token",
                    "rhoai: llmpace-api-token is not the service account's token")
    task = find(built["tekton"], "Task", "llmpace-suite-run")
    if failures.expect(task, "tekton: no Task llmpace-suite-run"):
        run = [s for s in task["spec"]["steps"] if s["name"] == "run"]
        if failures.expect(run, "tekton: no step run"):
            args = run[0].get("args", [])
            expected = [a.replace("/etc/llmpace/suites/mistral-small-24b.yaml",
                                  "/etc/llmpace/suites/$(params.suite).yaml")
                        .replace("/results", "$(workspaces.results.path)")
                        .replace("http://llmpace-pushgateway:9091", "$(params.push-gateway)")
                        for a in SUITE_RUN_ARGS]
            failures.expect(run[0].get("command") == ["llmpace"] and args == expected,
                            f"tekton: step run's command line is {args}")
    failures.expect(find(built["tekton"], "Pipeline", "llmpace-nightly"),
                    "tekton: no Pipeline llmpace-nightly")
    return failures.exit_code("every kustomization builds, with what docs/kubernetes.md says")


# --- copies ----------------------------------------------------------------------------------

def check_copies(root):
    failures = Failures()
    copies = os.path.join(root, "k8s/base/scenarios")
    for sub in ("", "suites"):
        source_dir = os.path.join(root, "scenarios", sub)
        copy_dir = os.path.join(copies, sub)
        sources = sorted(f for f in os.listdir(source_dir) if f.endswith(".yaml"))
        copied = sorted(f for f in os.listdir(copy_dir) if f.endswith(".yaml"))
        failures.expect(sources == copied, f"scenarios/{sub}: {sources} but k8s/base/scenarios/"
                        f"{sub}: {copied}; run k8s/sync-scenarios.sh")
        for name in set(sources) & set(copied):
            with open(os.path.join(source_dir, name), "rb") as a, \
                    open(os.path.join(copy_dir, name), "rb") as b:
                failures.expect(a.read() == b.read(),
                                f"k8s/base/scenarios/{sub}/{name} differs from scenarios/; "
                                "run k8s/sync-scenarios.sh")
    with open(os.path.join(root, "k8s/base/kustomization.yaml"), encoding="utf-8") as file:
        kustomization = yaml.safe_load(file)
    generated = {g["name"]: g.get("files", []) for g in kustomization["configMapGenerator"]}
    scenario_files = sorted(f for f in os.listdir(os.path.join(root, "scenarios"))
                            if f.endswith(".yaml"))
    suite_files = sorted(f for f in os.listdir(os.path.join(root, "scenarios/suites"))
                         if f.endswith(".yaml"))
    failures.expect(sorted(generated.get("llmpace-scenarios", []))
                    == [f"scenarios/{f}" for f in scenario_files],
                    "k8s/base/kustomization.yaml: llmpace-scenarios does not list every scenario")
    failures.expect(sorted(generated.get("llmpace-suites", []))
                    == [f"scenarios/suites/{f}" for f in suite_files],
                    "k8s/base/kustomization.yaml: llmpace-suites does not list every suite")
    # Every suite reaches /etc/llmpace/suites/ in the Job's and the Task's volumes.
    built = {name: kustomize(root, name) for name in ("base", "tekton")}
    volumes = [("Job", job_pod(find(built["base"], "Job", "llmpace-run"))["volumes"]),
               ("Task", find(built["tekton"], "Task", "llmpace-suite-run")["spec"]["volumes"])]
    for where, entries in volumes:
        items = []
        for volume in entries:
            for source in volume.get("projected", {}).get("sources", []):
                if source.get("configMap", {}).get("name") == "llmpace-suites":
                    items = source["configMap"].get("items", [])
        failures.expect(sorted((i["key"], i["path"]) for i in items)
                        == [(f, f"suites/{f}") for f in suite_files],
                        f"{where}: the suite-files volume does not project every suite")
    return failures.exit_code("k8s/base/scenarios/ equals scenarios/ and lists every file")


# --- validate --------------------------------------------------------------------------------

def node_validate(failures, files):
    node = shutil.which("node")
    if not failures.expect(node is not None, "node is not on PATH"):
        return []
    if not failures.expect(os.path.isdir(os.path.join(HERE, "node_modules")),
                           "tests/k8s/node_modules is missing: run scripts/install-deps.sh"):
        return []
    done = subprocess.run([node, os.path.join(HERE, "validate.mjs")] + files,
                          capture_output=True, text=True, check=False, cwd=HERE)
    if not failures.expect(done.returncode == 0, f"validate.mjs: {done.stderr.strip()}"):
        return []
    result = json.loads(done.stdout)
    for error in result["errors"]:
        failures.add(error)
    print(f"{len(result['validated'])} objects valid against the Kubernetes and "
          "prometheus-operator schemas")
    return result["unknown"]


def strict(schema):
    """A structural schema that refuses unknown fields, as the API server's strict validation."""
    if isinstance(schema, list):
        return [strict(entry) for entry in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()
           if key not in ("x-kubernetes-validations",)}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    if "properties" in out:
        out["properties"] = {key: strict(value) for key, value in schema["properties"].items()}
    return out


def grafana_validate(failures, objects):
    import jsonschema  # python3-jsonschema
    with open(os.path.join(HERE, "schemas/grafana-operator-v5.24.0.json"), encoding="utf-8") as f:
        schemas = json.load(f)["schemas"]
    for obj in objects:
        key = f"{obj['apiVersion']}/{obj['kind']}"
        if not failures.expect(key in schemas, f"{object_name(obj)}: no schema for {key}"):
            continue
        schema = strict(schemas[key])
        schema["properties"]["metadata"] = {"type": "object"}
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(obj):
            failures.add(f"{object_name(obj)}: {'.'.join(map(str, error.path))}: {error.message}")
    return len(objects)


# Tekton's schemas are not in its CRDs (they preserve unknown fields; Tekton's webhook checks),
# and npm has no model of them: the rules that webhook applies to what these files use.
TASK_SPEC_KEYS = {"description", "displayName", "params", "workspaces", "results", "volumes",
                  "stepTemplate", "steps", "sidecars"}
STEP_KEYS = {"name", "image", "command", "args", "workingDir", "env", "envFrom",
             "computeResources", "volumeMounts", "volumeDevices", "imagePullPolicy",
             "securityContext", "script", "timeout", "onError", "stdoutConfig", "stderrConfig",
             "displayName"}
CONTAINER_OF_STEP = {"name", "image", "command", "args", "workingDir", "env", "envFrom",
                     "volumeMounts", "volumeDevices", "imagePullPolicy", "securityContext"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
REFERENCE = re.compile(r"\$\((params|workspaces|results|steps|tasks|context)\.([^)]*)\)")


def references(node):
    """Every $(kind.rest) Tekton reference in the strings of `node`."""
    if isinstance(node, str):
        return REFERENCE.findall(node)
    if isinstance(node, dict):
        return [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def check_params(failures, where, params):
    names = [p.get("name") for p in params]
    failures.expect(len(names) == len(set(names)), f"{where}: params repeat a name")
    for param in params:
        failures.expect(param.get("type", "string") in ("string", "array", "object"),
                        f"{where}: param {param.get('name')} has type {param.get('type')}")
        if "default" in param and param.get("type", "string") == "string":
            failures.expect(isinstance(param["default"], str),
                            f"{where}: param {param['name']}'s default is no string")
    return set(names)


def tekton_task(failures, task, container_checks):
    where = object_name(task)
    spec = task.get("spec", {})
    failures.expect(set(spec) <= TASK_SPEC_KEYS, f"{where}: unknown spec fields "
                    f"{sorted(set(spec) - TASK_SPEC_KEYS)}")
    params = check_params(failures, where, spec.get("params", []))
    workspaces = {w["name"] for w in spec.get("workspaces", [])}
    results = [r["name"] for r in spec.get("results", [])]
    failures.expect(len(results) == len(set(results)), f"{where}: results repeat a name")
    volumes = {v["name"] for v in spec.get("volumes", [])}
    steps = spec.get("steps", [])
    failures.expect(steps, f"{where}: no steps")
    template = spec.get("stepTemplate", {})
    failures.expect(set(template) <= STEP_KEYS - {"name", "script"},
                    f"{where}: unknown stepTemplate fields {sorted(set(template) - STEP_KEYS)}")
    seen = []
    for step in steps:
        name = step.get("name", "")
        failures.expect(DNS_LABEL.match(name) and name not in seen, f"{where}: step name '{name}'")
        failures.expect(set(step) <= STEP_KEYS,
                        f"{where}: step {name}: unknown fields {sorted(set(step) - STEP_KEYS)}")
        failures.expect(step.get("image") or template.get("image"), f"{where}: step {name}: no image")
        failures.expect(bool(step.get("script")) != bool(step.get("command")),
                        f"{where}: step {name}: needs a script or a command, not both")
        failures.expect(step.get("onError", "continue") in ("continue", "stopAndFail"),
                        f"{where}: step {name}: onError {step.get('onError')}")
        for mount in step.get("volumeMounts", []) + template.get("volumeMounts", []):
            failures.expect(mount["name"] in volumes,
                            f"{where}: step {name} mounts an undeclared volume {mount['name']}")
        for kind, rest in references(step):
            field = rest.split(".")[0]
            if kind == "params":
                failures.expect(field in params, f"{where}: step {name}: no param {field}")
            elif kind == "workspaces":
                failures.expect(field in workspaces and rest == f"{field}.path",
                                f"{where}: step {name}: $(workspaces.{rest})")
            elif kind == "results":
                failures.expect(field in results and rest == f"{field}.path",
                                f"{where}: step {name}: $(results.{rest})")
            elif kind == "steps":
                failures.expect(re.fullmatch(r"step-([a-z0-9-]+)\.exitCode\.path", rest)
                                and rest.split(".")[0][5:] in seen,
                                f"{where}: step {name}: $(steps.{rest}) names no earlier step")
        merged = {**template, **{k: v for k, v in step.items() if k in CONTAINER_OF_STEP}}
        merged["env"] = template.get("env", []) + step.get("env", [])
        if "computeResources" in merged:
            merged["resources"] = merged.pop("computeResources")
        container_checks.append((f"{where} step {name}", {
            key: value for key, value in merged.items()
            if key in CONTAINER_OF_STEP | {"resources"}}))
        seen.append(name)
    for kind, rest in references(template):
        failures.expect(kind != "params" or rest in params, f"{where}: stepTemplate: no param {rest}")
    return {"params": spec.get("params", []), "workspaces": workspaces, "results": set(results)}


def tekton_pipeline(failures, pipeline, tasks):
    where = object_name(pipeline)
    spec = pipeline.get("spec", {})
    params = check_params(failures, where, spec.get("params", []))
    workspaces = {w["name"] for w in spec.get("workspaces", [])}
    task_results = {}
    for entry in spec.get("tasks", []):
        name = entry.get("name", "")
        failures.expect(DNS_LABEL.match(name), f"{where}: task name '{name}'")
        task = tasks.get(entry.get("taskRef", {}).get("name"))
        if not failures.expect(task, f"{where}: task {name} refers to no Task of k8s/tekton"):
            continue
        given = {p["name"] for p in entry.get("params", [])}
        declared = {p["name"] for p in task["params"]}
        failures.expect(given <= declared, f"{where}: task {name} passes unknown params "
                        f"{sorted(given - declared)}")
        required = {p["name"] for p in task["params"] if "default" not in p}
        failures.expect(required <= given, f"{where}: task {name} misses params {required - given}")
        bound = {w["name"]: w.get("workspace") for w in entry.get("workspaces", [])}
        failures.expect(set(bound) == task["workspaces"] and set(bound.values()) <= workspaces,
                        f"{where}: task {name} binds workspaces {bound}")
        for kind, rest in references(entry):
            failures.expect(kind != "params" or rest in params, f"{where}: no param {rest}")
        task_results[name] = task["results"]
    for result in spec.get("results", []):
        for kind, rest in references(result):
            parts = rest.split(".")
            failures.expect(kind == "tasks" and len(parts) == 3 and parts[1] == "results"
                            and parts[2] in task_results.get(parts[0], set()),
                            f"{where}: result {result['name']}: $({kind}.{rest})")
    return {"params": params, "workspaces": workspaces}


def tekton_pipelinerun(failures, run, pipelines):
    where = object_name(run)
    spec = run.get("spec", {})
    pipeline = pipelines.get(spec.get("pipelineRef", {}).get("name"))
    if not failures.expect(pipeline, f"{where}: refers to no Pipeline of k8s/tekton"):
        return
    given = {p["name"] for p in spec.get("params", [])}
    failures.expect(given <= pipeline["params"], f"{where}: unknown params {given - pipeline['params']}")
    bound = {w["name"] for w in spec.get("workspaces", [])}
    failures.expect(bound == pipeline["workspaces"], f"{where}: binds workspaces {bound}")
    failures.expect(spec.get("taskRunTemplate", {}).get("serviceAccountName") == "llmpace",
                    f"{where}: runs as another service account than llmpace")


def check_validate(root):
    failures = Failures()
    try:
        built = build_all(root)
    except RuntimeError as error:
        failures.add(str(error))
        return failures.exit_code("every object validates")
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for name, objects in built.items():
            path = os.path.join(scratch, f"{name}.yaml")
            with open(path, "w", encoding="utf-8") as file:
                yaml.safe_dump_all(objects, file)
            files.append(path)
        unknown = node_validate(failures, files)
        # Tekton steps and volumes are containers and volumes: checked by kubernetes-models too.
        container_checks = []
        tekton = [o for o in built["tekton"] + built["tekton-pipelinerun"]
                  if o.get("apiVersion", "").startswith("tekton.dev/")]
        tasks = {}
        for obj in tekton:
            failures.expect(obj["apiVersion"] == "tekton.dev/v1",
                            f"{object_name(obj)}: apiVersion {obj['apiVersion']}")
            if obj["kind"] == "Task":
                tasks[obj["metadata"]["name"]] = tekton_task(failures, obj, container_checks)
        pipelines = {obj["metadata"]["name"]: tekton_pipeline(failures, obj, tasks)
                     for obj in tekton if obj["kind"] == "Pipeline"}
        for obj in tekton:
            if obj["kind"] == "PipelineRun":
                tekton_pipelinerun(failures, obj, pipelines)
        pieces = []
        for where, step in container_checks:
            pieces.append({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": re.sub(r"[^a-z0-9-]", "-", where.lower())},
                           "spec": {"containers": [step]}})
        for obj in tekton:
            if obj["kind"] == "Task":
                pieces.append({"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": obj["metadata"]["name"] + "-volumes"},
                               "spec": {"containers": [{"name": "x", "image": "x"}],
                                        "volumes": obj["spec"].get("volumes", [])}})
        path = os.path.join(scratch, "tekton-as-pods.yaml")
        with open(path, "w", encoding="utf-8") as file:
            yaml.safe_dump_all(pieces, file)
        failures.expect(not node_validate(failures, [path]), "tekton steps: unexpected kinds")
        grafana = []
        known_kinds = {"Task", "Pipeline", "PipelineRun"}
        for entry in unknown:
            api_version = entry["apiVersion"] or ""
            if api_version.startswith("grafana.integreatly.org/"):
                grafana.append(next(o for o in built[os.path.basename(entry["file"])[:-5]]
                                    if o.get("kind") == entry["kind"]
                                    and o["metadata"].get("name") == entry["name"]))
            elif not (api_version.startswith("tekton.dev/") and entry["kind"] in known_kinds):
                failures.add(f"{entry['kind']} {entry['name']} ({api_version}): no schema to "
                             "validate it against")
        count = grafana_validate(failures, grafana)
        print(f"{count} grafana-operator objects checked against its CRDs' schemas; "
              f"{len(tekton)} Tekton objects checked")
    return failures.exit_code("every object validates against its schema")


# --- policy ----------------------------------------------------------------------------------

# OpenShift's restricted-v2 SCC: the volume types it allows.
ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                   "persistentVolumeClaim", "projected", "secret"}


def pod_templates(obj):
    """(where, pod spec) of every pod `obj` makes; a Tekton Task as the pod of its steps."""
    kind = obj.get("kind")
    where = object_name(obj)
    spec = obj.get("spec", {}) or {}
    if kind == "Pod":
        yield where, spec
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        yield where, spec.get("template", {}).get("spec", {})
    elif kind == "CronJob":
        yield where, spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    elif kind == "Task" and obj.get("apiVersion", "").startswith("tekton.dev/"):
        template = spec.get("stepTemplate", {})
        steps = []
        for step in spec.get("steps", []):
            merged = {**template, **step}
            if "securityContext" in template and "securityContext" in step:
                merged["securityContext"] = {**template["securityContext"], **step["securityContext"]}
            merged["resources"] = merged.pop("computeResources", {})
            steps.append(merged)
        yield where, {"containers": steps + spec.get("sidecars", []),
                      "volumes": spec.get("volumes", [])}
    elif kind == "Grafana":
        deployment = spec.get("deployment", {}).get("spec", {}).get("template", {}).get("spec")
        if deployment:  # otherwise the operator's own, compliant pod (docs/kubernetes.md)
            yield where, deployment


def restricted_v2_violations(pod):
    """The rules of restricted-v2 (and of this package: read-only root, requests and limits)
    that the pod spec breaks, as "rule: detail" strings."""
    found = []
    pod_context = pod.get("securityContext", {}) or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            found.append(f"host-namespaces: {key}")
    if "runAsUser" in pod_context:
        found.append("fixed-uid: pod runAsUser")
    if "fsGroup" in pod_context:
        found.append("fixed-fsgroup: pod fsGroup")
    if pod_context.get("seLinuxOptions"):
        found.append("selinux: pod seLinuxOptions")
    if pod_context.get("sysctls"):
        found.append("sysctls: pod sysctls")
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    if pod_seccomp not in (None, "RuntimeDefault"):
        found.append(f"seccomp: pod seccompProfile {pod_seccomp}")
    for volume in pod.get("volumes", []) or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            found.append(f"volume-type: {volume.get('name')}: {sorted(kinds - ALLOWED_VOLUMES)}")
    containers = [("container", c) for c in pod.get("containers", []) or []]
    containers += [("initContainer", c) for c in pod.get("initContainers", []) or []]
    containers += [("ephemeralContainer", c) for c in pod.get("ephemeralContainers", []) or []]
    for what, entry in containers:
        name = f"{what} {entry.get('name')}"
        context = entry.get("securityContext", {}) or {}
        if context.get("privileged"):
            found.append(f"privileged: {name}")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"privilege-escalation: {name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {}) or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"capabilities-drop: {name}: does not drop ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            found.append(f"capabilities-add: {name}: {sorted(added)}")
        if "runAsUser" in context:
            found.append(f"fixed-uid: {name} runAsUser")
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if non_root is not True:
            found.append(f"run-as-non-root: {name}")
        seccomp = (context.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp != "RuntimeDefault":
            found.append(f"seccomp: {name}: {seccomp}")
        if context.get("seLinuxOptions"):
            found.append(f"selinux: {name} seLinuxOptions")
        if context.get("procMount", "Default") != "Default":
            found.append(f"proc-mount: {name}")
        if (context.get("windowsOptions") or {}).get("hostProcess"):
            found.append(f"host-process: {name}")
        if context.get("readOnlyRootFilesystem") is not True:
            found.append(f"read-only-root: {name}")
        for port in entry.get("ports", []) or []:
            if port.get("hostPort"):
                found.append(f"host-port: {name}: {port['hostPort']}")
        resources = entry.get("resources", {}) or {}
        for part in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(resources.get(part, {}) or {})
            if missing:
                found.append(f"resources: {name}: no {part} of {sorted(missing)}")
    return found


def check_policy(root):
    failures = Failures()
    try:
        built = build_all(root)
    except RuntimeError as error:
        failures.add(str(error))
        return failures.exit_code("restricted-v2")
    count = 0
    for name in ("base",) + OVERLAYS + ("tekton",):
        for obj in built[name]:
            for where, pod in pod_templates(obj):
                count += 1
                for violation in restricted_v2_violations(pod):
                    failures.add(f"{name}: {where}: {violation}")
    failures.expect(count >= 10, f"only {count} pod templates found")
    print(f"{count} pod templates checked")
    return failures.exit_code("every pod template passes restricted-v2")


def check_policy_self_test():
    """testdata/restricted-v2-violations.yaml: each object's annotation llmpace.test/expect
    lists the rules it breaks; the checker must report exactly those, per object."""
    failures = Failures()
    path = os.path.join(HERE, "testdata/restricted-v2-violations.yaml")
    with open(path, encoding="utf-8") as file:
        objects = [o for o in yaml.safe_load_all(file) if o]
    rules_seen = set()
    for obj in objects:
        expected = set(obj["metadata"]["annotations"]["llmpace.test/expect"].split(","))
        expected.discard("")
        found = set()
        templates = list(pod_templates(obj))
        failures.expect(templates, f"{object_name(obj)}: no pod template found")
        for _, pod in templates:
            found |= {v.split(":")[0] for v in restricted_v2_violations(pod)}
        failures.expect(found == expected, f"{object_name(obj)}: found {sorted(found)}, "
                        f"planted {sorted(expected)}")
        rules_seen |= found
    print(f"{len(objects)} planted objects, {len(rules_seen)} distinct rules caught")
    failures.expect(len(rules_seen) >= 15, "the planted objects cover too few rules")
    return failures.exit_code("the policy check catches every planted violation")


# --- commands --------------------------------------------------------------------------------

def make_ca(directory):
    """A real PEM CA certificate (openssl), standing in for OpenShift's service CA."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is not on PATH (it makes a test CA)")
    cert = os.path.join(directory, "service-ca.crt")
    key = os.path.join(directory, "service-ca.key")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=test-service-ca", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    with open(cert, encoding="utf-8") as file:
        return file.read()


class Sandbox:
    """A directory laid out as a pod's container sees its volumes; paths of the pod rewritten
    into it."""

    def __init__(self, directory, objects, mounts, volumes, provided):
        self.root = directory
        self.mount_paths = sorted({m["mountPath"] for m in mounts}, key=len, reverse=True)
        pattern = "|".join(re.escape(p) for p in self.mount_paths)
        self.pattern = re.compile(r"(?<![A-Za-z0-9_./-])(" + pattern + r")(?![A-Za-z0-9_.-])")
        by_name = {v["name"]: v for v in volumes}
        for mount in mounts:
            target = self.path(mount["mountPath"])
            os.makedirs(target, exist_ok=True)
            volume = by_name[mount["name"]]
            for name, text in self.volume_files(volume, objects, provided).items():
                destination = os.path.join(target, name)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                with open(destination, "w", encoding="utf-8") as file:
                    file.write(text)

    def path(self, pod_path):
        return os.path.join(self.root, pod_path.lstrip("/"))

    def rewrite(self, text):
        return self.pattern.sub(lambda m: self.path(m.group(1)), text)

    def volume_files(self, volume, objects, provided):
        def config_map(ref):
            found = find(objects, "ConfigMap", ref["name"])
            if found is None:
                data = provided.get(("ConfigMap", ref["name"]))
                if data is None:
                    if ref.get("optional"):
                        return {}
                    raise RuntimeError(f"no ConfigMap {ref['name']} for the pod")
            else:
                data = found.get("data", {})
            return pick(data, ref.get("items"))

        def secret(ref, name):
            found = find(objects, "Secret", name)
            if found is not None and found.get("type") != "kubernetes.io/service-account-token":
                data = {k: base64.b64decode(v).decode() for k, v in found.get("data", {}).items()}
                data.update(found.get("stringData", {}))
            else:
                data = provided.get(("Secret", name))
                if data is None:
                    raise RuntimeError(f"no Secret {name} for the pod")
            return pick(data, ref.get("items"))

        def pick(data, items):
            if items is None:
                return dict(data)
            return {item["path"]: data[item["key"]] for item in items}

        files = {}
        if "configMap" in volume:
            files.update(config_map(volume["configMap"]))
        elif "secret" in volume:
            files.update(secret(volume["secret"], volume["secret"]["secretName"]))
        elif "projected" in volume:
            for source in volume["projected"]["sources"]:
                if "configMap" in source:
                    files.update(config_map(source["configMap"]))
                elif "secret" in source:
                    files.update(secret(source["secret"], source["secret"]["name"]))
        return {name: self.rewrite(text) for name, text in files.items()}


def container_env(entry, objects):
    env = {}
    for source in entry.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref is None:
            raise RuntimeError(f"envFrom {source}: only ConfigMaps are expected")
        found = find(objects, "ConfigMap", ref["name"])
        if found is None:
            raise RuntimeError(f"envFrom: no ConfigMap {ref['name']}")
        env.update(found.get("data", {}))
    for variable in entry.get("env", []):
        if "value" not in variable:
            raise RuntimeError(f"env {variable['name']}: only literal values are expected")
        env[variable["name"]] = variable["value"]
    return env


def run_dry(failures, where, llmpace, argv, env, cwd, expect_in_output):
    command = [llmpace] + argv[1:] + ["--dry-run"]
    done = subprocess.run(command, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
                          cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    output = done.stdout + done.stderr
    if not failures.expect(done.returncode == 0, f"{where}: `{' '.join(command)}` exited "
                           f"{done.returncode}:\n{output.strip()}"):
        return output
    for text in expect_in_output:
        failures.expect(text in output, f"{where}: the dry run does not mention {text}:\n{output}")
    print(f"ok: {where}: {' '.join(argv)}")
    return output


def pod_command(failures, where, llmpace, pod, objects, provided, scratch):
    entry = container(pod, "llmpace")
    sandbox = Sandbox(os.path.join(scratch, re.sub(r"\W", "-", where)), objects,
                      entry.get("volumeMounts", []), pod.get("volumes", []), provided)
    env = {k: sandbox.rewrite(v) for k, v in container_env(entry, objects).items()}
    argv = [sandbox.rewrite(a) for a in entry["command"] + entry["args"]]
    expected = [env[k] for k in sorted(env) if k.endswith("_URL")]
    run_dry(failures, where, llmpace, argv, env, sandbox.root, expected)


TEKTON_PATHS = {"workspaces.results.path": "/workspace/results"}


def tekton_substitute(text, params, step_paths):
    def one(match):
        kind, rest = match.group(1), match.group(2)
        if kind == "params":
            return params[rest]
        if f"{kind}.{rest}" in TEKTON_PATHS:
            return TEKTON_PATHS[f"{kind}.{rest}"]
        if kind == "results":
            return f"/tekton/results/{rest.split('.')[0]}"
        if kind == "steps":
            return step_paths[rest]
        raise RuntimeError(f"$({kind}.{rest}) in the Task")
    return REFERENCE.sub(one, text)


def tekton_run(failures, llmpace, task, objects, provided, scratch, params, fake_run=None):
    """Runs the Task's steps in order: scripts with sh, the llmpace step with --dry-run.
    Returns (exit code of the last step, results)."""
    spec = task["spec"]
    values = {p["name"]: p.get("default", "") for p in spec["params"]}
    values.update(params)
    template = spec.get("stepTemplate", {})
    label = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
    where = f"tekton: Task {task['metadata']['name']} ({label})"
    step_paths = {f"step-{s['name']}.exitCode.path": f"/tekton/steps/step-{s['name']}/exitCode"
                  for s in spec["steps"]}
    mounts = {m["mountPath"]: m for s in spec["steps"]
              for m in template.get("volumeMounts", []) + s.get("volumeMounts", [])}
    mounts = list(mounts.values()) + [
        {"name": "workspace-results", "mountPath": "/workspace/results"},
        {"name": "tekton-results", "mountPath": "/tekton/results"},
        {"name": "tekton-steps", "mountPath": "/tekton/steps"}]
    volumes = spec.get("volumes", []) + [{"name": n, "emptyDir": {}} for n in
                                         ("workspace-results", "tekton-results", "tekton-steps")]
    # The suite-files emptyDir is filled by the prepare step, as in the pod.
    sandbox = Sandbox(os.path.join(scratch, re.sub(r"\W", "-", where)), objects, mounts,
                      volumes, provided)
    code = 0
    for step in spec["steps"]:
        env = {v["name"]: sandbox.rewrite(tekton_substitute(v["value"], values, step_paths))
               for v in template.get("env", []) + step.get("env", [])}
        if step.get("script"):
            script = sandbox.rewrite(tekton_substitute(step["script"], values, step_paths))
            done = subprocess.run(["sh", "-c", script], env={"PATH": os.environ["PATH"], **env},
                                  cwd=sandbox.root, capture_output=True, text=True, timeout=60,
                                  check=False)
            code = done.returncode
            if code != 0 and step["name"] != spec["steps"][-1]["name"]:
                failures.add(f"{where}: step {step['name']} exited {code}: {done.stderr}")
                return code, {}
        else:
            argv = [sandbox.rewrite(tekton_substitute(a, values, step_paths))
                    for a in step["command"] + step["args"]]
            expected = [env[k] for k in sorted(env) if k.endswith("_URL")]
            run_dry(failures, f"{where}: step {step['name']}", llmpace, argv, env, sandbox.root,
                    expected)
            exit_code = fake_run[0] if fake_run else 0
            if fake_run:  # what a real run would have left behind
                suite_dir = sandbox.path(f"/workspace/results/{values['suite']}")
                os.makedirs(os.path.join(suite_dir, fake_run[1]))
                with open(os.path.join(suite_dir, fake_run[1], "compare-chat.txt"), "w",
                          encoding="utf-8") as file:
                    file.write("metric  bf16  int4\n" * 1000)
                os.symlink(fake_run[1], os.path.join(suite_dir, "latest"))
            path = sandbox.path(step_paths[f"step-{step['name']}.exitCode.path"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as file:
                file.write(str(exit_code))
    results = {}
    for result in spec.get("results", []):
        path = sandbox.path(f"/tekton/results/{result['name']}")
        with open(path, encoding="utf-8") as file:
            results[result["name"]] = file.read()
    prepared = sandbox.path(f"/etc/llmpace/suites/{values['suite']}.yaml")
    with open(prepared, encoding="utf-8") as file:
        results["(prepared suite)"] = file.read()
    return code, results


def check_commands(root, llmpace):
    failures = Failures()
    if not failures.expect(os.access(llmpace, os.X_OK), f"{llmpace} is not an executable"):
        return failures.exit_code("command lines")
    try:
        built = build_all(root)
    except RuntimeError as error:
        failures.add(str(error))
        return failures.exit_code("command lines")
    with tempfile.TemporaryDirectory() as scratch:
        ca = make_ca(scratch)
        # What the cluster provides: OpenShift's service CA in every namespace, and the token a
        # service-account-token Secret is filled with.
        provided = {("ConfigMap", "openshift-service-ca.crt"): {"service-ca.crt": ca},
                    ("Secret", "llmpace-api-token"): {"token": "test-token"}}
        for name in OVERLAYS:
            objects = built[name]
            for kind, object_name_, pod_of in (("Job", "llmpace-run", job_pod),
                                               ("CronJob", "llmpace-nightly", cronjob_pod)):
                obj = find(objects, kind, object_name_)
                try:
                    pod_command(failures, f"{name}: {kind} {object_name_}", llmpace, pod_of(obj),
                                objects, provided, scratch)
                except (RuntimeError, KeyError) as error:
                    failures.add(f"{name}: {kind}: {error!r}")
        task = find(built["tekton"], "Task", "llmpace-suite-run")
        objects = built["demo"] + built["tekton"]  # the Task uses an overlay's ConfigMaps
        try:
            tekton_run(failures, llmpace, task, objects, provided, scratch, {})
            code, results = tekton_run(
                failures, llmpace, task, objects, provided, scratch,
                {"rates": "2,4", "max-seconds": "7",
                 "bf16-url": "https://bf16.example.svc:8443",
                 "int4-url": "https://int4.example.svc:8443"},
                fake_run=(3, "20990101T000000Z"))
            prepared = results.get("(prepared suite)", "")
            failures.expect("rate: [2,4]" in prepared and "max_seconds: 7" in prepared
                            and "rate: [1, 16" not in prepared,
                            f"tekton: rates and max-seconds not put in the suite:\n{prepared}")
            failures.expect(code == 3, f"tekton: the report step exited {code}, not the run's 3")
            failures.expect(results.get("exit-code") == "3"
                            and results.get("run") == "mistral-small-24b/20990101T000000Z"
                            and 0 < len(results.get("headline", "")) <= 3000,
                            f"tekton: results {[(k, v[:80]) for k, v in results.items()]}")
            size = sum(len(v.encode()) for k, v in results.items() if not k.startswith("("))
            failures.expect(size < 4096, f"tekton: results of {size} bytes, over Tekton's 4 KB")
            # A parameter that is no list of numbers stops the Task before llmpace runs.
            for bad in ({"rates": "1;touch /tmp/x"}, {"max-seconds": "7 8"}):
                quiet = Failures.__new__(Failures)
                quiet.messages = []
                quiet.add = quiet.messages.append
                code, _ = tekton_run(quiet, llmpace, task, objects, provided, scratch, bad)
                failures.expect(code == 2 and len(quiet.messages) == 1
                                and "step prepare exited 2" in quiet.messages[0],
                                f"tekton: {bad} was not refused by the prepare step: {quiet.messages}")
        except (RuntimeError, KeyError, OSError) as error:
            failures.add(f"tekton: {error!r}")
    return failures.exit_code("the Job's, CronJob's and Tekton Task's command lines parse")


def main(argv):
    if len(argv) >= 3 and argv[1] == "build":
        return check_build(argv[2])
    if len(argv) >= 3 and argv[1] == "copies":
        return check_copies(argv[2])
    if len(argv) >= 3 and argv[1] == "validate":
        return check_validate(argv[2])
    if len(argv) >= 3 and argv[1] == "policy" and argv[2] == "--self-test":
        return check_policy_self_test()
    if len(argv) >= 3 and argv[1] == "policy":
        return check_policy(argv[2])
    if len(argv) >= 4 and argv[1] == "commands":
        return check_commands(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
