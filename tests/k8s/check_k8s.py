#!/usr/bin/env python3
"""Checks of the kustomize tree in k8s/ (docs/kubernetes.md), without an API server.

  check_k8s.py build ROOT             every kustomization builds; the objects the docs promise
                                      are there, with the Job's and CronJob's settings, and
                                      k8s/scale-out's Indexed Job agrees with its --shards
  check_k8s.py copies ROOT            k8s/base/scenarios/ equals scenarios/, every file listed
  check_k8s.py validate ROOT          every object against its schema: Kubernetes' and
                                      prometheus-operator's (npm, tests/k8s/node_modules), the
                                      grafana-operator's CRDs (schemas/), Tekton's rules here
  check_k8s.py policy ROOT            every pod template passes OpenShift's restricted-v2 SCC
  check_k8s.py policy --self-test ROOT    the policy check finds every planted violation of
                                      testdata/restricted-v2-violations.yaml, and only those
  check_k8s.py commands ROOT LLMPACE  the Job's, CronJob's and Tekton Task's command lines, run
                                      by the real binary with --dry-run in a directory laid out
                                      as the pod's volumes would be; the sharded Job's pods
                                      run for real, together, against a simulator, and merge

ROOT is the repository. kubectl (with kustomize v4+), node and the npm packages of
tests/k8s/package-lock.json are needed; a missing tool fails the check.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from dry_run import check_commands  # noqa: E402 (after the line above)
from manifests import (OVERLAYS, Failures, build_all, container, expand_references, find,
                       job_pod, kustomize, object_name)
from restricted_v2 import pod_templates, restricted_v2_violations
from tekton_rules import tekton_pipeline, tekton_pipelinerun, tekton_task

HERE = os.path.dirname(os.path.abspath(__file__))


# --- build -----------------------------------------------------------------------------------

SUITE_RUN_ARGS = ["suite", "run", "/etc/llmpace/suites/mistral-small-24b.yaml",
                  "--output-dir", "/results", "--baseline", "previous",
                  "--push-gateway", "http://llmpace-pushgateway:9091", "--metrics-port", "9090"]
SECRET_NAME = re.compile(r"TOKEN|API_KEY|APIKEY|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


def check_no_credentials(failures, where, runner, arguments):
    """No literal secret in the container's env, no credential among its command line's words."""
    for env in runner.get("env", []):
        failures.expect(not (SECRET_NAME.search(env["name"]) and "value" in env),
                        f"{where}: env {env['name']} holds a literal secret")
    for arg in arguments:
        failures.expect(not re.search(r"--api-key|Bearer|--header", arg),
                        f"{where}: a credential on the command line: {arg}")


def mounted_volumes(pod, runner):
    """The pod's volume mounted at each of the container's mount paths ({} when none)."""
    mounts = {m["mountPath"]: m["name"] for m in runner.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    return lambda path: volumes.get(mounts.get(path), {})


def check_runner_pod(failures, where, pod):
    runner = container(pod, "llmpace")
    if not failures.expect(runner is not None, f"{where}: no container named llmpace"):
        return
    failures.expect(runner.get("command") == ["llmpace"] and runner.get("args") == SUITE_RUN_ARGS,
                    f"{where}: command {runner.get('command')} {runner.get('args')}")
    failures.expect(runner.get("image") == "llmpace:latest",
                    f"{where}: image {runner.get('image')}, expected llmpace:latest")
    check_no_credentials(failures, where, runner,
                         runner.get("command", []) + runner.get("args", []))
    volume_at = mounted_volumes(pod, runner)

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
        failures.expect(deployment["spec"]["template"]["spec"]["containers"][0]["image"]
                        == job_pod(find(demo, "Job", "llmpace-run"))["containers"][0]["image"],
                        f"demo: {predictor} runs another image than the Job")
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
    check_sharded(failures, root, built)
    return failures.exit_code("every kustomization builds, with what docs/kubernetes.md says")


RUN_ID_FIELD = "metadata.labels['batch.kubernetes.io/controller-uid']"
SHARD_DIR = "/results/sharded/$(RUN_ID)"


def flag_values(args, flag):
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == flag]


def check_sharded(failures, root, built):
    """k8s/scale-out: the Indexed Job whose pods are the shards of one benchmark."""
    where = "scale-out"
    objects = built["scale-out"]
    job = find(objects, "Job", "llmpace-sharded")
    if not failures.expect(job, f"{where}: no Job llmpace-sharded"):
        return
    spec = job["spec"]
    failures.expect(spec.get("completionMode") == "Indexed",
                    f"{where}: completionMode {spec.get('completionMode')}, not Indexed")
    failures.expect(spec.get("backoffLimit") == 0, f"{where}: backoffLimit not 0")
    for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        failures.expect(spec.get(key, 0) > 0, f"{where}: Job without {key}")
    pod = job_pod(job)
    failures.expect(pod.get("serviceAccountName") == "llmpace"
                    and pod.get("automountServiceAccountToken") is False
                    and pod.get("restartPolicy") == "Never",
                    f"{where}: not the ServiceAccount llmpace without its token, restart Never")
    runner = container(pod, "llmpace")
    if not failures.expect(runner is not None, f"{where}: no container named llmpace"):
        return
    failures.expect(runner.get("image") == "llmpace:latest",
                    f"{where}: image {runner.get('image')}, expected llmpace:latest")
    env = {e["name"]: e for e in runner.get("env", [])}
    literal = {name: e["value"] for name, e in env.items() if "value" in e}
    run_id = env.get("RUN_ID", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
    failures.expect(run_id == RUN_ID_FIELD,
                    f"{where}: RUN_ID is {env.get('RUN_ID')}, not the Job's uid ({RUN_ID_FIELD})")
    failures.expect([s.get("configMapRef", {}).get("name") for s in runner.get("envFrom", [])]
                    == ["llmpace-targets"], f"{where}: envFrom is not the ConfigMap llmpace-targets")
    command = runner.get("command", [])
    args = runner.get("args", [])
    failures.expect(command[:2] == ["sh", "-c"] and len(command) == 4
                    and 'llmpace "$@"' in command[2]
                    and "llmpace report merge" in command[2],
                    f"{where}: the command is not sh -c running llmpace \"$@\" and the merge")
    failures.expect(literal.get("MERGE_WAIT_SECONDS", "").isdigit()
                    and int(literal["MERGE_WAIT_SECONDS"]) > 0,
                    f"{where}: MERGE_WAIT_SECONDS is not a number of seconds")
    failures.expect(args[:1] == ["benchmark"], f"{where}: args do not start with benchmark")

    def one(flag):
        values = flag_values(args, flag)
        failures.expect(len(values) == 1, f"{where}: {flag} given {len(values)} times")
        return values[0] if values else None

    shards = expand_references(one("--shards") or "", literal)
    failures.expect(shards.isdigit() and int(shards) >= 2,
                    f"{where}: --shards {one('--shards')} is not a number of shards")
    count = int(shards) if shards.isdigit() else None
    failures.expect(spec.get("completions") == count and spec.get("parallelism") == count,
                    f"{where}: completions {spec.get('completions')} and parallelism "
                    f"{spec.get('parallelism')} are not --shards {shards}")
    failures.expect(one("--run-id") == "$(RUN_ID)", f"{where}: --run-id is not $(RUN_ID)")
    failures.expect(one("--target") == "$(LLMPACE_BF16_URL)"
                    and one("--model") == "$(LLMPACE_BF16_MODEL)",
                    f"{where}: the target is not the bf16 variant of llmpace-targets")
    failures.expect(one("--profile") not in (None, "sweep", "synchronous")
                    and one("--rate") is not None,
                    f"{where}: --profile {one('--profile')}: a sweep or synchronous cannot be "
                    "sharded; give fixed rates")
    failures.expect(one("--start-at") is not None
                    and one("--start-file") == f"{SHARD_DIR}/start",
                    f"{where}: no --start-at with --start-file {SHARD_DIR}/start")
    outputs = flag_values(args, "--output")
    failures.expect(sorted(outputs) == [f"{SHARD_DIR}/shard-$(JOB_COMPLETION_INDEX).{ext}"
                                        for ext in ("json", "jsonl")],
                    f"{where}: --output {outputs}")
    script = command[2] if len(command) > 2 else ""
    failures.expect("dir=/results/sharded/$RUN_ID\n" in script,
                    f"{where}: the script's directory is not {SHARD_DIR}")
    check_no_credentials(failures, where, runner, command + args)
    volume_at = mounted_volumes(pod, runner)

    failures.expect("emptyDir" in volume_at("/tmp"), f"{where}: /tmp is no emptyDir")
    claim = volume_at("/results").get("persistentVolumeClaim", {}).get("claimName")
    failures.expect(claim == "llmpace-shard-results",
                    f"{where}: /results is {claim}, not the PVC llmpace-shard-results")
    pvc = find(objects, "PersistentVolumeClaim", "llmpace-shard-results") or {}
    failures.expect(pvc.get("spec", {}).get("accessModes") == ["ReadWriteMany"],
                    f"{where}: the PVC llmpace-shard-results is not ReadWriteMany")
    failures.expect(volume_at("/var/run/secrets/llmpace").get("secret", {}).get("secretName")
                    == "llmpace-api-token", f"{where}: the token is not the Secret's file")
    resources = runner.get("resources", {})
    for part in ("requests", "limits"):
        failures.expect(set(resources.get(part, {})) >= {"cpu", "memory"},
                        f"{where}: no cpu and memory {part}")
    # Its scenario: chat's requests, the token as a file reference.
    scenario_path = one("--scenario") or ""
    config_map = volume_at(os.path.dirname(scenario_path)).get("configMap", {}).get("name")
    scenario_map = find(objects, "ConfigMap", config_map) if config_map else None
    if failures.expect(scenario_map, f"{where}: --scenario {scenario_path} is not in a "
                       "ConfigMap of the kustomization"):
        scenario = yaml.safe_load(scenario_map["data"][os.path.basename(scenario_path)])
        with open(os.path.join(root, "scenarios/chat.yaml"), encoding="utf-8") as file:
            chat = yaml.safe_load(file)
        failures.expect(scenario.get("data") == chat["data"],
                        f"{where}: {scenario_path}'s data differs from scenarios/chat.yaml's")
        failures.expect(scenario.get("api_key") == "${file:/var/run/secrets/llmpace/token}",
                        f"{where}: {scenario_path}'s api_key is not the token's file")
    # What it takes from an overlay, which it does not carry itself (it would overwrite it).
    for kind, needed in (("ServiceAccount", "llmpace"), ("ConfigMap", "llmpace-targets"),
                         ("Secret", "llmpace-api-token")):
        failures.expect(not find(objects, kind, needed),
                        f"{where}: carries the overlay's {kind} {needed}")
        for name in OVERLAYS:
            failures.expect(find(built[name], kind, needed), f"{name}: no {kind} {needed}, "
                            "which k8s/scale-out uses")


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

def check_policy(root):
    failures = Failures()
    try:
        built = build_all(root)
    except RuntimeError as error:
        failures.add(str(error))
        return failures.exit_code("restricted-v2")
    count = 0
    for name in ("base",) + OVERLAYS + ("tekton", "scale-out"):
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
