"""The kustomize tree's objects, built by kubectl, and the helpers every check of
check_k8s.py uses. Pure apart from running kubectl and reading files."""
import os
import shutil
import subprocess

import yaml

KUSTOMIZATIONS = {
    "base": "k8s/base",
    "demo": "k8s/overlays/demo",
    "rhoai": "k8s/overlays/rhoai",
    "tekton": "k8s/tekton",
    "scale-out": "k8s/scale-out",
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


def expand_references(text, env):
    """Kubernetes' expansion of $(NAME) in a container's command, args and env: NAME must be a
    variable of the container, else $(NAME) stays as written; $$ is a literal $."""
    out = []
    at = 0
    while at < len(text):
        char = text[at]
        if char != "$" or at + 1 == len(text):
            out.append(char)
            at += 1
            continue
        following = text[at + 1]
        if following == "$":
            out.append("$")
            at += 2
        elif following == "(":
            close = text.find(")", at + 2)
            if close < 0:
                out.append(text[at:])
                break
            name = text[at + 2:close]
            out.append(env[name] if name in env else text[at:close + 1])
            at = close + 1
        else:
            out.append(char + following)
            at += 2
    return "".join(out)


def container(pod, name):
    for entry in pod.get("containers", []):
        if entry.get("name") == name:
            return entry
    return None


