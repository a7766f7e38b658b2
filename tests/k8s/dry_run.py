"""The Job's, CronJob's and Tekton Task's command lines, run by the real llmpace with --dry-run
in a directory laid out as the pod's volumes would be, and k8s/scale-out's sharded Job, whose
pods run for real, together, against a simulator (check_k8s.py commands)."""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from manifests import (OVERLAYS, Failures, build_all, container, cronjob_pod, expand_references,
                       find, job_pod)
from tekton_rules import REFERENCE

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


def container_env(entry, objects, fields=None):
    """The container's environment: envFrom ConfigMaps, then env. A downward-API fieldRef takes
    its value from `fields` (fieldPath -> value, the stand-ins of what the pod would have); env
    values expand $(NAME) of the variables before them, as Kubernetes does."""
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
        if "value" in variable:
            env[variable["name"]] = expand_references(variable["value"], env)
            continue
        field = variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if field is None or field not in (fields or {}):
            raise RuntimeError(f"env {variable['name']}: only literal values and the fieldRefs "
                               f"{sorted(fields or {})} are expected")
        env[variable["name"]] = fields[field]
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
    argv = [sandbox.rewrite(expand_references(a, env)) for a in entry["command"] + entry["args"]]
    expected = [env[k] for k in sorted(env) if k.endswith(("_URL", "_MODEL"))]
    run_dry(failures, where, llmpace, argv, env, sandbox.root, expected)


# --- the sharded Job (k8s/scale-out) --------------------------------------------------------

RUN_ID_FIELD = "metadata.labels['batch.kubernetes.io/controller-uid']"
# What a real run would take too long for: each benchmark's duration and the wait for the start.
SHORTENED = {"--max-seconds": "3", "--start-at": "+2s"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_simulator(llmpace, model, scratch):
    """llmpace sim on a loopback port, fast (5 ms to the first token, 0.2 ms a token), standing
    in for the bf16 predictor. Returns (process, URL)."""
    port = free_port()
    log = open(os.path.join(scratch, "sim.log"), "w", encoding="utf-8")  # pylint: disable=R1732
    process = subprocess.Popen([llmpace, "sim", "--host", "127.0.0.1", "--port", str(port),
                                "--model", model, "--ttft-ms", "5", "--itl-ms", "0.2"],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("llmpace sim did not listen within 15 s")


def sharded_run(llmpace, job, objects, provided, directory, run_id, urls):
    """Runs every pod of the Indexed Job at once, as the Job controller would: pod I with
    JOB_COMPLETION_INDEX=I, RUN_ID=run_id and LLMPACE_BF16_URL=urls[I], all sharing one
    /results. Returns ([(exit code, output) per pod], the run's directory)."""
    pod = job_pod(job)
    entry = container(pod, "llmpace")
    # One directory for all pods: the claim is shared, and the read-only volumes must have the
    # same paths in every pod, as they do in the cluster (a report keeps its scenario's paths,
    # and `report merge` refuses shards whose run sections differ). Each pod's own emptyDir
    # /tmp is not told apart: check_build keeps --start-file and --output on the claim.
    sandbox = Sandbox(directory, objects, entry.get("volumeMounts", []), pod.get("volumes", []),
                      provided)
    processes = []
    for index in range(job["spec"]["completions"]):
        env = container_env(entry, objects, {RUN_ID_FIELD: run_id})
        env["JOB_COMPLETION_INDEX"] = str(index)  # added to the pod by the Job controller
        env["LLMPACE_BF16_URL"] = urls[index]  # the Service's name resolves only in the cluster
        env = {k: sandbox.rewrite(v) for k, v in env.items()}
        argv = [sandbox.rewrite(expand_references(a, env))
                for a in entry["command"] + entry["args"]]
        for flag, value in SHORTENED.items():
            argv[argv.index(flag) + 1] = value
        path = os.path.dirname(os.path.abspath(llmpace)) + ":" + os.environ.get("PATH", "/bin")
        log = open(os.path.join(directory, f"pod-{index}.log"), "w+",  # pylint: disable=R1732
                   encoding="utf-8")
        processes.append((subprocess.Popen(argv, env={"PATH": path, "HOME": "/tmp", **env},
                                           cwd=sandbox.path("/results"), stdout=log,
                                           stderr=subprocess.STDOUT), log))
    results = []
    deadline = time.monotonic() + 100
    for process, log in processes:
        try:
            code = process.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        log.seek(0)
        results.append((code, log.read()))
        log.close()
    return results, sandbox.path(f"/results/sharded/{run_id}")


def check_sharded_job(failures, llmpace, objects, provided, scratch):
    """k8s/scale-out: its pods' script and command lines, run together against a simulator with
    shortened durations: every shard reports, the pod of index 0 merges; then once more with a
    shard failing: no merged report, and the Job fails."""
    where = "scale-out: Job llmpace-sharded"
    job = find(objects, "Job", "llmpace-sharded")
    count = job["spec"]["completions"]
    model = find(objects, "ConfigMap", "llmpace-targets")["data"]["LLMPACE_BF16_MODEL"]
    simulator, url = start_simulator(llmpace, model, scratch)
    try:
        run_id = "0c5e7a9c-1111-4000-8000-000000000001"
        results, run_dir = sharded_run(llmpace, job, objects, provided,
                                       os.path.join(scratch, "sharded"), run_id, [url] * count)
        for index, (code, output) in enumerate(results):
            failures.expect(code == 0, f"{where}: pod {index} exited {code}:\n{output[-3000:]}")
        files = sorted(os.listdir(run_dir)) if os.path.isdir(run_dir) else []
        # The start of each benchmark after the first: shard 0's instant, and the other shards'
        # marks that they were done with the one before.
        args = container(job_pod(job), "llmpace")["args"]
        benchmarks = len(args[args.index("--rate") + 1].split(","))
        starts = [f"start.{b}{mark}" for b in range(1, benchmarks)
                  for mark in [""] + [f".ready-{i}" for i in range(1, count)]]
        expected = sorted(["start", "merged.json", "merged.csv", "merged.html"] + starts
                          + [f"shard-{i}.{ext}" for i in range(count)
                             for ext in ("json", "jsonl", "done")])
        failures.expect(files == expected, f"{where}: /results/sharded/<run id>/ holds {files}, "
                        f"expected {expected}")
        for index in range(count):
            try:
                with open(os.path.join(run_dir, f"shard-{index}.json"), encoding="utf-8") as file:
                    run = json.load(file)["run"]
                failures.expect(run.get("shard") == {"count": count, "index": index}
                                and run.get("run_id") == run_id,
                                f"{where}: shard-{index}.json's run is shard {run.get('shard')} "
                                f"of run {run.get('run_id')}")
            except (OSError, ValueError, KeyError) as error:
                failures.add(f"{where}: shard-{index}.json: {error!r}")
        try:
            with open(os.path.join(run_dir, "merged.json"), encoding="utf-8") as file:
                merged = json.load(file)
            failures.expect(merged.get("merge", {}).get("shard_count") == count
                            and merged["run"].get("run_id") == run_id
                            and [s.get("file") for s in merged["merge"].get("shards", [])]
                            == [f"shard-{i}.json" for i in range(count)],
                            f"{where}: merged.json is not the merge of the {count} shards: "
                            f"{json.dumps(merged.get('merge', {}).get('shards'))[:500]}")
            print(f"ok: {where}: {count} shards ran from one start file and were merged into "
                  f"{len(merged.get('benchmarks', []))} benchmarks")
        except (OSError, ValueError, KeyError) as error:
            failures.add(f"{where}: merged.json: {error!r}")
        # Shard 2 cannot reach its target: it fails, and pod 0 merges nothing and fails too.
        failing = min(2, count - 1)
        closed = f"http://127.0.0.1:{free_port()}"
        results, run_dir = sharded_run(
            llmpace, job, objects, provided, os.path.join(scratch, "sharded-failing"),
            run_id.replace("1", "2"), [closed if i == failing else url for i in range(count)])
        codes = [code for code, _ in results]
        failures.expect(codes[failing] != 0 and codes[0] == 1
                        and f"shard {failing} exited {codes[failing]}; not merged" in results[0][1]
                        and not os.path.exists(os.path.join(run_dir, "merged.json"))
                        and os.path.exists(os.path.join(run_dir, f"shard-{failing}.failed")),
                        f"{where}: with shard {failing} failing, the pods exited {codes}; pod 0 "
                        f"said:\n{results[0][1][-1500:]}")
        print(f"ok: {where}: with shard {failing} failing, no merge and pod 0 exits 1 ({codes})")
    finally:
        simulator.kill()
        simulator.wait()


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
    dry_run_output = ""
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
            expected = [env[k] for k in sorted(env) if k.endswith(("_URL", "_MODEL"))]
            dry_run_output = run_dry(failures, f"{where}: step {step['name']}", llmpace, argv,
                                     env, sandbox.root, expected)
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
    results = {"(dry run)": dry_run_output}
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
        try:
            check_sharded_job(failures, llmpace, built["demo"] + built["scale-out"], provided,
                              scratch)
        except (RuntimeError, KeyError, OSError, ValueError) as error:
            failures.add(f"scale-out: {error!r}")
        # The suites no pod runs: as they are, from scenarios/suites/.
        for suite in ("demo-sim",):
            path = os.path.join(root, "scenarios/suites", f"{suite}.yaml")
            run_dry(failures, f"scenarios/suites/{suite}.yaml", llmpace,
                    ["llmpace", "suite", "run", path, "--output-dir",
                     os.path.join(scratch, suite)], {}, scratch,
                    [f"suite {suite} ", "bf16/chat: ", "int4/chat: "])
        task = find(built["tekton"], "Task", "llmpace-suite-run")
        objects = built["demo"] + built["tekton"]  # the Task uses an overlay's ConfigMaps
        try:
            _, results = tekton_run(failures, llmpace, task, objects, provided, scratch, {})
            failures.expect(results.get("(dry run)", "").count("4 benchmarks") == 2,
                            "tekton: with the suite's rates, not 4 benchmarks per variant")
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
            failures.expect(results.get("(dry run)", "").count("2 benchmarks") == 2,
                            "tekton: rates=2,4 did not make 2 benchmarks per variant")
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
    return failures.exit_code("the Job's, CronJob's and Tekton Task's command lines parse, and "
                              "the sharded Job's pods run and merge")


