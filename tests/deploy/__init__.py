"""Deployment files checked offline: the Dockerfile, the Kubernetes manifests in ``k8s/``, the
alert rules and Grafana dashboards in ``k8s/monitoring/``.

Helpers shared by the ``tests/deploy`` modules live here (the folder has no conftest of its own).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
MONITORING = K8S / "monitoring"
KUBERNETES_VERSION = "1.32.0"

NAMESPACE = "hotel-bot"
API = "whatsapp-hotel-bot-api"
WORKER = "whatsapp-hotel-bot-worker"
IMAGE_NAME = "whatsapp-hotel-bot"

# Files under k8s/ that are not Kubernetes objects of the core API.
PLAIN_PROMETHEUS_RULES = MONITORING / "alert-rules.yaml"
PROMTOOL_RULE_TESTS = MONITORING / "alert-rules.test.yaml"
CRD_API_GROUPS = ("monitoring.coreos.com/",)
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


# ---------------------------------------------------------------- loading manifests


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest_files() -> list[Path]:
    """Every YAML file under k8s/ holding Kubernetes objects (kustomizations and the plain
    Prometheus rule files excluded)."""
    return sorted(
        path
        for path in K8S.rglob("*.yaml")
        if path.name != "kustomization.yaml" and path not in (PLAIN_PROMETHEUS_RULES, PROMTOOL_RULE_TESTS)
    )


def is_crd_object(doc: dict[str, Any]) -> bool:
    return str(doc.get("apiVersion", "")).startswith(CRD_API_GROUPS)


def all_objects() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in manifest_files():
        for doc in load_docs(path):
            yield path, doc


def find(kind: str, name: str, objects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pool = objects if objects is not None else [doc for _, doc in all_objects()]
    matches = [doc for doc in pool if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return workload["spec"]["template"]["metadata"]["labels"]


WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def workloads(objects: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    pool = objects if objects is not None else [doc for _, doc in all_objects()]
    return [doc for doc in pool if doc["kind"] in WORKLOAD_KINDS]


# ---------------------------------------------------------------- a small kustomize


SUPPORTED_KUSTOMIZATION_KEYS = {"apiVersion", "kind", "namespace", "resources", "patches"}


def _pointer(path: str) -> list[str]:
    assert path.startswith("/"), path
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _apply_op(doc: Any, op: dict[str, Any]) -> None:
    *parents, last = _pointer(op["path"])
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op["op"] == "add":
            node.insert(index, op["value"])
        elif op["op"] == "replace":
            assert index < len(node), f"{op['path']}: no such item"
            node[index] = op["value"]
        elif op["op"] == "remove":
            del node[index]
        else:
            raise AssertionError(f"unsupported patch op {op['op']}")
        return
    if op["op"] in ("replace", "remove"):
        assert last in node, f"{op['path']}: nothing to {op['op']} (kustomize would fail)"
    if op["op"] in ("add", "replace"):
        node[last] = op["value"]
    elif op["op"] == "remove":
        del node[last]
    else:
        raise AssertionError(f"unsupported patch op {op['op']}")


def render_kustomization(directory: Path) -> list[dict[str, Any]]:
    """What ``kustomize build DIR`` gives for the subset of kustomize these files use:
    resources (files and other kustomizations), namespace, and JSON 6902 patches with a target."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(spec) - SUPPORTED_KUSTOMIZATION_KEYS
    assert not unsupported, f"{directory}: this test's kustomize does not know {unsupported}"
    objects: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = (directory / resource).resolve()
        assert path.exists(), f"{directory}/kustomization.yaml: {resource} does not exist"
        assert not directory.resolve().is_relative_to(path), f"{resource}: kustomize refuses a parent as base"
        objects += render_kustomization(path) if path.is_dir() else copy.deepcopy(load_docs(path))
    if namespace := spec.get("namespace"):
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = namespace
    for patch in spec.get("patches", []):
        target = patch["target"]
        operations = yaml.safe_load(patch["patch"])
        assert isinstance(operations, list), "only JSON 6902 patches (a list of operations) are used"
        matched = [
            obj
            for obj in objects
            if obj["kind"] == target["kind"] and obj["metadata"]["name"] == target["name"]
        ]
        assert len(matched) == 1, f"{directory}: patch target {target} matches {len(matched)} objects"
        for operation in operations:
            _apply_op(matched[0], operation)
    return objects


# ---------------------------------------------------------------- PromQL


PROMQL_FUNCTIONS = {
    # aggregations
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile", "limitk", "limit_ratio",
    # functions
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor",
    "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate",
    "label_join", "label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear", "rate",
    "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp", "vector", "year",
    "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
    "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time",
}  # fmt: skip
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
                   "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN"}  # fmt: skip
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_MATCHERS = re.compile(r"\{([^}]*)\}")
_MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_IDENTIFIER = re.compile(r"(?<![\w.:$])([A-Za-z_:][\w:]*)")


def _without_strings(expr: str) -> str:
    return _STRING.sub('""', expr)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: its identifiers, less functions, keywords,
    label matchers, grouping label lists, range/offset durations and Grafana variables."""
    text = _without_strings(expr)
    text = _MATCHERS.sub(" ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name = match.group(1)
        followed_by_paren = text[match.end() :].lstrip().startswith("(")
        if name in PROMQL_KEYWORDS:
            continue
        if followed_by_paren:
            assert name in PROMQL_FUNCTIONS, f"unknown PromQL function {name}( in {expr!r}"
            continue
        names.add(name)
    return names


def label_names(expr: str) -> set[str]:
    """Label names an expression matches on or groups by."""
    text = _without_strings(expr)
    labels = {m.group(1) for block in _MATCHERS.findall(text) for m in _MATCHER.finditer(block)}
    for group in _GROUPING.findall(text):
        labels |= {part.strip() for part in group.split(",") if part.strip()}
    return labels


def balanced(expr: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in _without_strings(expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def base_metric(name: str, histograms: set[str]) -> str:
    """``x_bucket``/``x_sum``/``x_count`` of histogram ``x`` -> ``x``."""
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in histograms:
            return name[: -len(suffix)]
    return name


def exposition_types(text: str) -> dict[str, str]:
    """``{metric name: type}`` from the ``# TYPE`` lines of a Prometheus text exposition."""
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            types[name] = kind.strip()
    return types


# ---------------------------------------------------------------- dashboards and alert rules


def dashboards() -> dict[str, dict[str, Any]]:
    import json

    return {
        path.name: json.loads(path.read_text()) for path in sorted((MONITORING / "dashboards").glob("*.json"))
    }


def dashboard_queries() -> Iterator[tuple[str, str, str]]:
    """``(dashboard title, panel title, expr)`` for every query of every dashboard."""
    for board in dashboards().values():
        for panel in board["panels"]:
            for query in panel.get("targets", []):
                yield board["title"], panel["title"], query["expr"]


def alert_rules() -> dict[str, Any]:
    return yaml.safe_load(PLAIN_PROMETHEUS_RULES.read_text())


def rule_expressions() -> Iterator[tuple[str, str, str]]:
    """``(group name, alert name, expr)`` for every rule."""
    for group in alert_rules()["groups"]:
        for rule in group["rules"]:
            yield group["name"], rule.get("alert") or rule.get("record"), rule["expr"]
