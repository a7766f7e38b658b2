"""Reading llmpace's Grafana dashboards (k8s/components/monitoring/dashboards/*.json) for the tests.

What a panel query becomes before it reaches Prometheus, as Grafana does it: the dashboard's
variables and Grafana's built-in interval variables substituted, multi-valued variables as a regex
alternation. And the structure every dashboard must keep (structure_errors). Stdlib only.
"""

import json
import math
import re

DATASOURCE_REF = {"type": "prometheus", "uid": "${datasource}"}
MODEL_VARIABLE_QUERY = "label_values(vllm:num_requests_running, model_name)"

# Grafana's built-ins, at the values the checks use ($__rate_interval: 1m is what Grafana gives
# for a 15 s scrape interval).
BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

# Grafana's variable syntaxes: $name, [[name]] or [[name:format]], ${name} or ${name:format}.
VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}")
LABEL_VALUES_RE = re.compile(r"^label_values\((?:(.+),\s*)?(\w+)\)$", re.S)
RANGE_RE = re.compile(r"\[([^\]]*)\]")
JOB_MATCHER_RE = re.compile(r"\b(job|instance)\s*(=|!=|=~|!~)")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def all_panels(dashboard):
    """Every panel, those inside collapsed rows too, in the dashboard's order."""
    for panel in dashboard.get("panels", []):
        yield panel
        for inner in panel.get("panels", []) or []:
            yield inner


def query_panels(dashboard):
    return [p for p in all_panels(dashboard) if p.get("type") != "row"]


def variables(dashboard):
    return dashboard.get("templating", {}).get("list", [])


def variable_query(variable):
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    return query or ""


def parse_label_values(query):
    """label_values(SELECTOR, LABEL) -> (SELECTOR or None, LABEL); None if not of that form."""
    match = LABEL_VALUES_RE.match(query.strip())
    if not match:
        return None
    return (match.group(1).strip() if match.group(1) else None), match.group(2)


def regex_escape(value):
    """Grafana's escape of one value of a multi-valued variable for a Prometheus regex, inside a
    double-quoted PromQL string (the backslash doubled for the string)."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value)


def variable_value(variable, values):
    """What Grafana puts in place of the variable when `values` are selected."""
    if variable.get("multi") or variable.get("includeAll"):
        escaped = [regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return values[0]


def interpolate(text, values):
    """Substitutes known variables and built-ins; returns (text, unknown variable names).

    `$1` and the like (label_replace's references) are not variables and stay as they are."""
    unknown = []

    def replace(match):
        name = match.group(1) or match.group(2) or match.group(4)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        if not name.isdigit():
            unknown.append(name)
        return match.group(0)

    return VARIABLE_RE.sub(replace, text), unknown


def static_values(dashboard):
    """Variable values for a parse-only check: a custom variable's current value, a placeholder
    for a query variable."""
    values = {}
    for variable in variables(dashboard):
        name = variable.get("name", "")
        if variable.get("type") == "custom":
            current = variable.get("current", {}).get("value")
            if isinstance(current, list):
                current = current[0] if current else None
            values[name] = current or variable_query(variable).split(",")[0]
        elif variable.get("type") == "query":
            values[name] = "x"
    return values


def is_finite(value_text):
    try:
        return math.isfinite(float(value_text))
    except ValueError:
        return False


def _grid_cells(grid):
    return {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])}


def _variable_errors(dashboard, where):
    errors = []
    named = {}
    for variable in variables(dashboard):
        name = variable.get("name")
        if not name or name in named:
            errors.append(f"{where}: variable {name!r} has no name or a duplicate one")
            continue
        named[name] = variable
        if variable.get("type") == "query":
            if variable.get("datasource") != DATASOURCE_REF:
                errors.append(f"{where}: variable {name} does not query ${{datasource}}")
            if parse_label_values(variable_query(variable)) is None:
                errors.append(f"{where}: variable {name}: not a label_values(...) query")
    source = named.get("datasource")
    if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
        errors.append(f"{where}: no datasource variable of type prometheus")
    model = named.get("model_name")
    if not model or variable_query(model) != MODEL_VARIABLE_QUERY:
        errors.append(f"{where}: no model_name variable from {MODEL_VARIABLE_QUERY}")
    return errors


def _panel_errors(panel, where, cells):
    errors = []
    title = panel.get("title", "")
    here = f"{where}: panel {panel.get('id')} {title!r}"
    grid = panel.get("gridPos")
    if not isinstance(grid, dict) or not all(isinstance(grid.get(k), int) for k in "hwxy"):
        errors.append(f"{here}: no gridPos with integer h, w, x, y")
    elif grid["w"] < 1 or grid["h"] < 1 or grid["x"] < 0 or grid["y"] < 0 \
            or grid["x"] + grid["w"] > 24:
        errors.append(f"{here}: gridPos outside the 24-column grid")
    else:
        taken = _grid_cells(grid)
        if taken & cells:
            errors.append(f"{here}: overlaps another panel")
        cells |= taken
    if panel.get("type") == "row" or not title:
        if not title:
            errors.append(f"{here}: no title")
        return errors
    if panel.get("datasource") != DATASOURCE_REF:
        errors.append(f"{here}: datasource is not ${{datasource}}")
    targets = panel.get("targets") or []
    if not targets:
        errors.append(f"{here}: no targets")
    ref_ids = set()
    for target in targets:
        ref_id = target.get("refId")
        if not ref_id or ref_id in ref_ids:
            errors.append(f"{here}: a target without a refId or with a duplicate one")
        ref_ids.add(ref_id)
        if target.get("datasource", DATASOURCE_REF) != DATASOURCE_REF:
            errors.append(f"{here}: target {ref_id} datasource is not ${{datasource}}")
        expr = target.get("expr", "")
        if not expr.strip():
            errors.append(f"{here}: target {ref_id} has no expr")
        for window in RANGE_RE.findall(expr):
            if window != "$__rate_interval":
                errors.append(f"{here}: target {ref_id} range [{window}], not [$__rate_interval]")
        if JOB_MATCHER_RE.search(expr):
            errors.append(f"{here}: target {ref_id} matches on job or instance (pushed series "
                          f"carry exported_job on OpenShift)")
    return errors


def structure_errors(dashboard, where):
    """Everything wrong with the dashboard's shape, as one line each."""
    errors = []
    for key in ("uid", "title"):
        if not isinstance(dashboard.get(key), str) or not dashboard.get(key):
            errors.append(f"{where}: no {key}")
    if len(dashboard.get("uid") or "") > 40:
        errors.append(f"{where}: uid longer than Grafana's 40 characters")
    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 36:
        errors.append(f"{where}: schemaVersion below 36")
    errors += _variable_errors(dashboard, where)
    ids = set()
    cells = set()
    for panel in all_panels(dashboard):
        panel_id = panel.get("id")
        if not isinstance(panel_id, int) or panel_id in ids:
            errors.append(f"{where}: panel {panel.get('title')!r} has no id or a duplicate one "
                          f"({panel_id})")
        ids.add(panel_id)
        errors += _panel_errors(panel, where, cells)
    defined = {v.get("name") for v in variables(dashboard)}
    for panel in all_panels(dashboard):
        texts = [panel.get("title", "")] + [t.get("expr", "") for t in panel.get("targets", [])]
        for text in texts:
            _, unknown = interpolate(text, {name: "" for name in defined})
            for name in unknown:
                errors.append(f"{where}: panel {panel.get('id')} uses undefined variable ${name}")
    return errors
