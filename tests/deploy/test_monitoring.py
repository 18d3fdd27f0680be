"""k8s/monitoring: alert rules and Grafana dashboards are well-formed, the generated files agree
with their sources, and every metric they query is one the app really exports (checked against
a live scrape of /metrics after real traffic)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from domain.settings import Settings
from tests.deploy import (
    MONITORING,
    PROMTOOL_RULE_TESTS,
    alert_rules,
    balanced,
    base_metric,
    dashboard_queries,
    dashboards,
    exposition_types,
    label_names,
    metric_names,
    rule_expressions,
)
from tests.support.factories import incoming, make_hotel
from tests.support.servers import serve_app
from web.app import create_app

GUIDE_DASHBOARDS = {
    "Application Overview",
    "API Performance",
    "Database Metrics",
    "External APIs",
    "Infrastructure",
}

# Series that come from Prometheus itself, not from a target.
PROMETHEUS_SERIES = {"up"}
# What the Infrastructure dashboard and the infrastructure alert group may use besides the app's
# metrics: cAdvisor (container_*), the kubelet (kubelet_volume_*) and kube-state-metrics (kube_*).
# Exact names, no prefixes: a typo is still caught.
KUBERNETES_SERIES = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
    "kube_pod_status_ready",
    "kube_pod_container_status_restarts_total",
    "kube_deployment_status_replicas_available",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_status_desired_replicas",
    "kube_cronjob_status_last_successful_time",
}
# Labels Prometheus adds to every scraped series (ServiceMonitor target labels), and histograms' le.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
INFRASTRUCTURE_CONTEXTS = {"Infrastructure", "whatsapp-hotel-bot-infrastructure"}


def _build_module() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_monitoring_build", MONITORING / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _all_expressions() -> list[tuple[str, str, str]]:
    """``(context, name, expr)``: context is a dashboard title or an alert group name."""
    return [*dashboard_queries(), *rule_expressions()]


# ---------------------------------------------------------------- the PromQL helpers themselves


def test_metric_names_finds_selectors_not_functions_or_labels() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, route) "
        '(rate(http_request_duration_seconds_bucket{route!="/x"}[$__rate_interval])))'
        " / ignoring(pod) group_left sum without (status) (http_requests_total offset 5m)"
        " > 1e3 or vector(0) and on (job) up"
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "http_requests_total", "up"}
    assert label_names(expr) == {"le", "route", "pod", "status", "job"}
    assert metric_names('sum(rate(arq_jobs_total{function="ai_reply", outcome=~"failed|retry"}[5m]))') == {
        "arq_jobs_total"
    }
    assert balanced("sum(rate(x[5m]))")
    assert not balanced("sum(rate(x[5m])")
    with pytest.raises(AssertionError, match="unknown PromQL function"):
        metric_names("sume(x)")


def test_base_metric_strips_histogram_suffixes_only_for_histograms() -> None:
    histograms = {"ai_reply_latency_seconds"}
    assert base_metric("ai_reply_latency_seconds_bucket", histograms) == "ai_reply_latency_seconds"
    assert base_metric("ai_reply_latency_seconds_count", histograms) == "ai_reply_latency_seconds"
    assert base_metric("handoffs_count", histograms) == "handoffs_count"


# ---------------------------------------------------------------- generated files


def test_generated_files_are_up_to_date() -> None:
    """dashboards/*.json, the dashboards ConfigMap and the PrometheusRule are what build.py makes
    of their sources (run `python k8s/monitoring/build.py` after changing one)."""
    build = _build_module()
    assert build.stale() == []


def test_dashboards_configmap_wraps_exactly_the_json_files() -> None:
    [configmap] = list(yaml.safe_load_all((MONITORING / "grafana-dashboards-configmap.yaml").read_text()))
    assert configmap["kind"] == "ConfigMap"
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    files = {path.name: path.read_text() for path in (MONITORING / "dashboards").glob("*.json")}
    assert configmap["data"] == files


def test_prometheus_rule_carries_exactly_the_plain_rules() -> None:
    [rule] = list(yaml.safe_load_all((MONITORING / "prometheus-rule.yaml").read_text()))
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["metadata"]["namespace"] == "hotel-bot"
    assert rule["spec"]["groups"] == alert_rules()["groups"]


# ---------------------------------------------------------------- alert rules


def test_alert_rules_are_well_formed() -> None:
    rules = alert_rules()
    assert set(rules) == {"groups"}
    names = set()
    for group in rules["groups"]:
        assert set(group) <= {"name", "interval", "rules"}
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
            assert rule["alert"] not in names, f"duplicate alert {rule['alert']}"
            names.add(rule["alert"])
            assert balanced(rule["expr"]), rule["alert"]
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}
            assert rule["annotations"]["summary"]
            assert rule["annotations"]["description"]
            assert str(rule["for"])[-1] in "smh"


def test_alert_rules_cover_what_operators_expect() -> None:
    """The operations guide's alerts (API down, high error rate, database connections) and the
    ones this app needs (queue backlog, webhooks, live events, LLM)."""
    by_name = {rule["alert"]: rule for group in alert_rules()["groups"] for rule in group["rules"]}
    exprs = {name: " ".join(rule["expr"].split()) for name, rule in by_name.items()}
    assert 'up{job="whatsapp-hotel-bot-api"}' in exprs["WhatsAppHotelBotApiDown"]
    assert "absent(" in exprs["WhatsAppHotelBotApiDown"]
    error_rate = exprs["WhatsAppHotelBotHighErrorRate"]
    assert "http_requests_errors_total" in error_rate
    assert "http_requests_total" in error_rate
    assert error_rate.endswith("> 0.05")
    assert by_name["WhatsAppHotelBotHighErrorRate"]["for"] == "5m"
    assert "database_connections_active" in exprs["WhatsAppHotelBotDatabaseConnectionsHigh"]
    assert "arq_queue_length" in exprs["WhatsAppHotelBotQueueBacklog"]
    assert by_name["WhatsAppHotelBotQueueBacklog"]["for"] == "10m"
    assert 'route="/webhooks/green-api"' in exprs["WhatsAppHotelBotWebhookFailures"]
    assert "live_events_listener_up" in exprs["WhatsAppHotelBotLiveEventsListenerDown"]
    assert "deepseek_api_requests_total" in exprs["WhatsAppHotelBotLlmErrors"]


def test_promtool_accepts_the_rules_and_their_unit_tests(tmp_path: Path) -> None:
    for command in (
        ["promtool", "check", "rules", str(MONITORING / "alert-rules.yaml")],
        ["promtool", "test", "rules", str(PROMTOOL_RULE_TESTS)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=MONITORING)
        assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_parses_every_dashboard_query(tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:query_{i}", "expr": expr.replace("$__rate_interval", "5m")}
        for i, (_, _, expr) in enumerate(dashboard_queries())
    ]
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- dashboards


def test_the_five_dashboards_of_the_guide() -> None:
    assert {board["title"] for board in dashboards().values()} == GUIDE_DASHBOARDS


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_is_valid_grafana_json(name: str) -> None:
    board = dashboards()[name]
    assert board["title"]
    assert 0 < len(board["uid"]) <= 40
    assert isinstance(board["schemaVersion"], int)
    assert board["schemaVersion"] >= 36
    assert board["panels"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    variables = {variable["name"] for variable in board["templating"]["list"]}
    for panel in board["panels"]:
        assert panel["title"]
        grid = panel["gridPos"]
        assert 0 <= grid["x"] < grid["x"] + grid["w"] <= 24
        assert grid["h"] > 0
        if panel["type"] in ("text", "row"):
            continue
        assert panel["targets"], panel["title"]
        ref_ids = [query["refId"] for query in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))
        for query in panel["targets"]:
            assert query["expr"].strip()
            assert balanced(query["expr"]), query["expr"]
            assert query["datasource"]["uid"].strip("${}") in variables


def test_panels_do_not_overlap() -> None:
    for board in dashboards().values():
        cells: set[tuple[int, int]] = set()
        for panel in board["panels"]:
            grid = panel["gridPos"]
            area = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not cells & area, f"{board['title']}: {panel['title']} overlaps another panel"
            cells |= area


# ---------------------------------------------------------------- against the real /metrics


@pytest.fixture
async def scrape(settings: Settings, sessions: Any) -> str:
    """/metrics of a real web process after a stored webhook, a refused one and a page view."""
    hotel = await make_hotel(sessions, webhook_token="hook-secret")
    with serve_app(create_app(settings)) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            stored = await client.post(
                "/webhooks/green-api",
                json=incoming(hotel.green_api_instance_id, text="When is breakfast?"),
                headers={"Authorization": "Bearer hook-secret"},
            )
            assert stored.status_code == 200
            refused = await client.post(
                "/webhooks/green-api",
                json=incoming(hotel.green_api_instance_id),
                headers={"Authorization": "Bearer wrong"},
            )
            assert refused.status_code == 401
            assert (await client.get("/health")).status_code == 200
            response = await client.get("/metrics")
            assert response.status_code == 200
            return response.text


def _label_names_of(registry_metrics: dict[str, set[str]], names: set[str]) -> set[str]:
    return set().union(*(registry_metrics.get(name, set()) for name in names))


def _declared_labels() -> dict[str, set[str]]:
    """Label names of every metric of the app's registry, keyed by exposed name."""
    from prometheus_client import Counter

    import web.metrics  # noqa: F401 - registers the web metrics in the shared registry
    from observability import metrics as job_metrics

    labels: dict[str, set[str]] = {}
    for collector in list(job_metrics.REGISTRY._collector_to_names):
        names = job_metrics.REGISTRY._collector_to_names[collector]
        declared = set(getattr(collector, "_labelnames", ()))
        for name in names:
            labels[name] = declared
        if isinstance(collector, Counter):
            labels[collector._name + "_total"] = declared
    return labels


async def test_every_queried_metric_is_exported(scrape: str) -> None:
    types = exposition_types(scrape)
    histograms = {name for name, kind in types.items() if kind in ("histogram", "summary")}
    # The worker's metrics live in the same registry the web process serves (observability.metrics.REGISTRY):
    # one scrape shows them all.
    for worker_metric in (
        "ai_reply_latency_seconds",
        "arq_jobs_total",
        "green_api_requests_total",
        "deepseek_api_requests_total",
        "handoffs_total",
        "messages_total",
    ):
        assert worker_metric in types, f"{worker_metric} not in the web process' /metrics"
    missing = []
    for context, name, expr in _all_expressions():
        for metric in metric_names(expr):
            exported = base_metric(metric, histograms)
            if exported in types or metric in PROMETHEUS_SERIES:
                continue
            if context in INFRASTRUCTURE_CONTEXTS and metric in KUBERNETES_SERIES:
                continue
            missing.append(f"{context} / {name}: {metric}")
    assert not missing, "queried but not exported:\n" + "\n".join(missing)


async def test_label_values_the_queries_rely_on_are_real(scrape: str) -> None:
    """The route template and label values the alerts and panels filter on appear in /metrics."""
    lines = scrape.splitlines()
    assert any(
        line.startswith("http_requests_total{")
        and 'route="/webhooks/green-api"' in line
        and 'status="200"' in line
        and 'method="POST"' in line
        for line in lines
    )
    assert any(line.startswith("http_requests_total{") and 'status="401"' in line for line in lines)
    assert any(
        line.startswith("green_api_webhooks_total{")
        and 'type="incomingMessageReceived"' in line
        and 'outcome="stored"' in line
        for line in lines
    )
    assert any(line.startswith("messages_total{") and 'direction="in"' in line for line in lines)
    assert any(line.startswith("http_request_duration_seconds_bucket{") and 'le="' in line for line in lines)
    for queue in ("hotelbot:ai", "hotelbot:send"):
        assert any(line.startswith(f'arq_queue_length{{queue="{queue}"}}') for line in lines)
    for gauge in ("database_connections_active", "websocket_connections", "live_events_listener_up"):
        assert any(line.startswith(gauge + " ") for line in lines), gauge


def test_labels_used_with_app_metrics_are_declared() -> None:
    declared = _declared_labels()
    problems = []
    for context, name, expr in _all_expressions():
        metrics = metric_names(expr)
        app_metrics = {m for m in metrics if m not in PROMETHEUS_SERIES | KUBERNETES_SERIES}
        if not app_metrics:
            continue
        histograms = {m[: -len("_bucket")] for m in app_metrics if m.endswith("_bucket")}
        known = _label_names_of(declared, {base_metric(m, histograms) for m in app_metrics}) | TARGET_LABELS
        if histograms:
            known.add("le")
        for label in label_names(expr) - known:
            problems.append(f"{context} / {name}: label {label}")
    assert not problems, "\n".join(problems)


def test_legends_use_labels_the_query_keeps() -> None:
    """A legend's {{label}} must survive the query: grouped by, or no aggregation at all."""
    aggregation = re.compile(
        r"\b(?:sum|min|max|avg|count|group|topk|bottomk|quantile|stddev|stdvar)\s*(?:by|without|\()"
    )
    for board in dashboards().values():
        for panel in board["panels"]:
            for query in panel.get("targets", []):
                for label in re.findall(r"\{\{\s*(\w+)\s*\}\}", query["legendFormat"]):
                    kept = label in label_names(query["expr"]) or not aggregation.search(query["expr"])
                    assert kept, (
                        f"{board['title']} / {panel['title']}: legend {{{{{label}}}}} is aggregated away"
                    )
