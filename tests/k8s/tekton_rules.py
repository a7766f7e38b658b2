"""Tekton's rules for the Task, Pipeline and PipelineRun of k8s/tekton. Tekton's CRDs carry no
schema (its webhook validates) and npm has no model of them, so the rules its webhook applies
to the fields these files use are written here. Pure."""
import re

from manifests import object_name

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


