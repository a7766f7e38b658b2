"""OpenShift's restricted-v2 SCC as a check of pod templates, plus the package's own rules (a
read-only root filesystem, cpu and memory requests and limits). Pure."""
from manifests import object_name

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


