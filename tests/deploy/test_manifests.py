"""k8s/: every object validates against the Kubernetes 1.32 schemas (kubernetes-validate --strict),
the overlays render, and the names, probes, security settings and wiring the operations guide
(docs/operations.md) relies on are there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy import (
    API,
    CLUSTER_SCOPED,
    IMAGE_NAME,
    K8S,
    KUBERNETES_VERSION,
    NAMESPACE,
    ROOT,
    WORKER,
    all_objects,
    find,
    is_crd_object,
    load_docs,
    manifest_files,
    pod_labels,
    pod_spec,
    render_kustomization,
    workloads,
)
from web.client_address import TrustedProxies

OVERLAYS = ["staging", "production"]


def _id(path: Path, doc: dict[str, Any]) -> str:
    return f"{path.relative_to(K8S)}:{doc['kind']}/{doc['metadata']['name']}"


CORE_OBJECTS = [(path, doc) for path, doc in all_objects() if not is_crd_object(doc)]


def test_there_are_manifests() -> None:
    kinds = {doc["kind"] for _, doc in CORE_OBJECTS}
    assert {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "StatefulSet",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Job",
        "CronJob",
        "PersistentVolumeClaim",
    } <= kinds


@pytest.mark.parametrize(("path", "doc"), CORE_OBJECTS, ids=[_id(p, d) for p, d in CORE_OBJECTS])
def test_object_validates_strictly(path: Path, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_object_is_namespaced_in_hotel_bot() -> None:
    for path, doc in all_objects():
        if doc["kind"] in CLUSTER_SCOPED:
            assert doc["metadata"]["name"] == NAMESPACE
        else:
            assert doc["metadata"].get("namespace") == NAMESPACE, _id(path, doc)


def test_crd_objects_have_the_expected_shape() -> None:
    crds = [doc for _, doc in all_objects() if is_crd_object(doc)]
    assert {doc["kind"] for doc in crds} == {"PrometheusRule", "ServiceMonitor"}
    for doc in crds:
        assert doc["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
    for monitor in (doc for doc in crds if doc["kind"] == "ServiceMonitor"):
        service = find("Service", monitor["metadata"]["name"])
        assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
        port_names = {port["name"] for port in service["spec"]["ports"]}
        assert {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]} <= port_names


# ---------------------------------------------------------------- kustomize


def test_base_kustomization_lists_every_base_file() -> None:
    spec = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    files = {path.name for path in (K8S / "base").glob("*.yaml") if path.name != "kustomization.yaml"}
    assert set(spec["resources"]) == files


def test_secrets_and_the_migration_job_stay_out_of_kubectl_apply_k() -> None:
    """Applying an overlay must never reset real Secrets to placeholders, nor try to change an
    immutable Job: scripts/deploy.sh recreates the migration Job itself."""
    for overlay in OVERLAYS:
        kinds = {obj["kind"] for obj in render_kustomization(K8S / overlay)}
        assert "Secret" not in kinds
        assert "Job" not in kinds


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_to_valid_objects(overlay: str) -> None:
    objects = render_kustomization(K8S / overlay)
    for obj in objects:
        assert obj["metadata"].get("namespace", NAMESPACE) == NAMESPACE
        if not is_crd_object(obj):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
    assert len(names) == len(objects), "duplicate objects"
    assert {("Deployment", API), ("Deployment", WORKER), ("PrometheusRule", "whatsapp-hotel-bot")} <= names


def test_overlays_set_their_own_host() -> None:
    hosts = {}
    for overlay in OVERLAYS:
        objects = render_kustomization(K8S / overlay)
        ingress = find("Ingress", "whatsapp-hotel-bot", objects)
        [rule] = ingress["spec"]["rules"]
        [tls] = ingress["spec"]["tls"]
        assert tls["hosts"] == [rule["host"]]
        config = find("ConfigMap", "whatsapp-hotel-bot-config", objects)
        assert config["data"]["public-base-url"] == f"https://{rule['host']}"
        hosts[overlay] = rule["host"]
    # scripts/smoke-tests.sh's defaults per ENV
    assert hosts == {"staging": "staging.your-domain.com", "production": "your-domain.com"}


def test_production_keeps_the_documented_scaling() -> None:
    objects = render_kustomization(K8S / "production")
    assert find("Deployment", API, objects)["spec"]["replicas"] == 3
    hpa = find("HorizontalPodAutoscaler", API, objects)["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)


# ---------------------------------------------------------------- names docs/operations.md gives


def test_namespace() -> None:
    assert find("Namespace", NAMESPACE)


@pytest.mark.parametrize(("name", "component"), [(API, "api"), (WORKER, "worker")])
def test_deployments_and_their_labels(name: str, component: str) -> None:
    deployment = find("Deployment", name)
    labels = {"app": "whatsapp-hotel-bot", "component": component}
    assert labels.items() <= deployment["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert labels.items() <= pod_labels(deployment).items()


def test_api_has_three_replicas_and_the_hpa_of_the_guide() -> None:
    assert find("Deployment", API)["spec"]["replicas"] == 3
    hpa = find("HorizontalPodAutoscaler", API)
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": API}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 10)
    [metric] = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_postgres_and_redis() -> None:
    postgres = find("StatefulSet", "postgres")
    assert pod_labels(postgres)["app"] == "postgres"
    assert postgres["spec"]["volumeClaimTemplates"]
    assert find("Service", "postgres")["spec"]["selector"] == {"app": "postgres"}
    redis = find("Deployment", "redis")
    assert pod_labels(redis)["app"] == "redis"
    assert find("Service", "redis")["spec"]["selector"] == {"app": "redis"}


def test_ingress_tls_with_cert_manager_and_websocket_timeouts() -> None:
    ingress = find("Ingress", "whatsapp-hotel-bot")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "2m"
    [tls] = ingress["spec"]["tls"]
    assert tls["secretName"] == "whatsapp-hotel-bot-tls"
    [rule] = ingress["spec"]["rules"]
    [path] = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": API, "port": {"name": "http"}}


def test_configmap_and_secret_keys() -> None:
    config = find("ConfigMap", "whatsapp-hotel-bot-config")
    assert config["data"]["log-level"] == "INFO"
    assert config["data"]["log-format"] == "json"
    secret = find("Secret", "whatsapp-hotel-bot-secrets")
    assert {"secret-key", "database-url", "redis-url", "deepseek-api-key", "oidc-client-secret"} <= set(
        secret["stringData"]
    )


def test_secret_template_holds_placeholders_only() -> None:
    text = (K8S / "secrets-template.yaml").read_text()
    assert "secret store" in text
    for doc in load_docs(K8S / "secrets-template.yaml"):
        assert doc["kind"] == "Secret"
        for key, value in doc["stringData"].items():
            assert value == "" or "CHANGE-ME" in value or key in ("username", "database"), key


def test_migration_job() -> None:
    path = K8S / "migrate-job.yaml"
    [job] = load_docs(path)  # scripts/deploy.sh applies this file as one Job
    assert job["kind"] == "Job"
    assert job["metadata"]["name"] == "whatsapp-hotel-bot-migrate"
    assert any("run-before" in key for key in job["metadata"]["annotations"])
    spec = job["spec"]
    assert spec["backoffLimit"] >= 1
    assert spec["ttlSecondsAfterFinished"] > 0
    [container] = pod_spec(job)["containers"]
    assert container["command"] == ["hotelbot", "migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_backup_cronjob() -> None:
    cron = find("CronJob", "whatsapp-hotel-bot-backup")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    minute, hour, *_ = cron["spec"]["schedule"].split()
    assert minute.isdigit()
    assert hour.isdigit(), "nightly: one run a day"
    spec = pod_spec(cron)
    [container] = spec["containers"]
    script = container["command"][-1]
    assert "python scripts/backup.py && python scripts/backup.py --cleanup" in script
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == "/app/backups"]
    [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert find("PersistentVolumeClaim", claim)
    assert {"name": "BACKUP_DIR", "value": "/app/backups"} in container["env"]


# ---------------------------------------------------------------- pods: security, probes, wiring


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


@pytest.mark.parametrize("name", [API, WORKER])
def test_app_deployments_run_as_uid_10001_read_only(name: str) -> None:
    deployment = find("Deployment", name)
    pod = pod_spec(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    [container] = pod["containers"]
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    [tmp] = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
    [volume] = [v for v in pod["volumes"] if v["name"] == tmp["name"]]
    assert "emptyDir" in volume


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: f"{w['kind']}/{w['metadata']['name']}")
def test_every_pod_meets_the_restricted_pod_security_profile(workload: dict[str, Any]) -> None:
    """The namespace enforces Pod Security "restricted": a pod that does not meet it is refused."""
    namespace = find("Namespace", NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    pod = pod_spec(workload)
    pod_security = pod.get("securityContext", {})
    assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
    assert all("hostPath" not in volume for volume in pod.get("volumes", []))
    for container in _containers(workload):
        security = container.get("securityContext", {})
        assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
        assert (security.get("runAsUser") or pod_security.get("runAsUser")) != 0
        assert security.get("allowPrivilegeEscalation") is False
        assert not security.get("privileged")
        assert security["capabilities"]["drop"] == ["ALL"]
        assert security.get("capabilities", {}).get("add") is None
        seccomp = security.get("seccompProfile") or pod_security.get("seccompProfile")
        assert seccomp == {"type": "RuntimeDefault"}
        assert security.get("readOnlyRootFilesystem") is True
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]


def test_api_probes_and_shutdown() -> None:
    pod = pod_spec(find("Deployment", API))
    [container] = pod["containers"]
    assert container["name"] == "api"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert pod["terminationGracePeriodSeconds"] == 30
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    # preStop plus uvicorn's graceful shutdown (cli.py: timeout_graceful_shutdown=20) fit the grace period
    assert int(pre_stop[1]) + 20 < pod["terminationGracePeriodSeconds"]
    annotations = find("Deployment", API)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "8000"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}


def test_worker_probe_metrics_and_grace_period() -> None:
    deployment = find("Deployment", WORKER)
    pod = pod_spec(deployment)
    [container] = pod["containers"]
    assert container["name"] == "worker"
    assert container["command"] == ["hotelbot", "worker"]
    assert container["livenessProbe"]["exec"]["command"] == ["hotelbot", "worker", "--check"]
    assert container["livenessProbe"]["timeoutSeconds"] >= 10
    assert container["ports"] == [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]
    assert {"name": "WORKER_METRICS_PORT", "value": "9100"} in container["env"]
    worker_source = (ROOT / "jobs" / "worker.py").read_text()
    completion_wait = int(re.search(r'"job_completion_wait": (\d+)', worker_source).group(1))
    assert pod["terminationGracePeriodSeconds"] > completion_wait
    assert pod["terminationGracePeriodSeconds"] == 40
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "9100"
    service = find("Service", WORKER)
    assert service["spec"]["ports"][0]["port"] == 9100


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


@pytest.mark.parametrize("name", [API, WORKER])
def test_app_environment_comes_from_the_configmap_and_secret(name: str) -> None:
    [container] = pod_spec(find("Deployment", name))["containers"]
    env = _env(container)

    def source(var: str) -> tuple[str, str]:
        ref = env[var]["valueFrom"]
        kind = "configMapKeyRef" if "configMapKeyRef" in ref else "secretKeyRef"
        return ref[kind]["name"], ref[kind]["key"]

    assert source("LOG_LEVEL") == ("whatsapp-hotel-bot-config", "log-level")
    assert source("LOG_FORMAT") == ("whatsapp-hotel-bot-config", "log-format")
    assert source("SECRET_KEY") == ("whatsapp-hotel-bot-secrets", "secret-key")
    assert source("DATABASE_URL") == ("whatsapp-hotel-bot-secrets", "database-url")
    assert source("REDIS_URL") == ("whatsapp-hotel-bot-secrets", "redis-url")
    assert source("DEEPSEEK_API_KEY") == ("whatsapp-hotel-bot-secrets", "deepseek-api-key")
    for var in ("PUBLIC_BASE_URL", "GREEN_API_URL", "DEEPSEEK_API_URL", "DEEPSEEK_MODEL"):
        assert source(var)[0] == "whatsapp-hotel-bot-config"


def test_every_referenced_configmap_and_secret_key_exists() -> None:
    config = find("ConfigMap", "whatsapp-hotel-bot-config")["data"]
    secrets = {doc["metadata"]["name"]: doc["stringData"] for doc in load_docs(K8S / "secrets-template.yaml")}
    for workload in workloads():
        for container in _containers(workload):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["name"] == "whatsapp-hotel-bot-config"
                    assert ref["configMapKeyRef"]["key"] in config, entry
                if "secretKeyRef" in ref:
                    secret = ref["secretKeyRef"]
                    assert secret["key"] in secrets[secret["name"]], entry


def test_every_app_variable_is_one_the_code_reads() -> None:
    from domain.settings import Settings

    # Settings reads each field from the variable of its name in capitals (pydantic-settings).
    settings_reads = {field.upper() for field in Settings.model_fields}
    ops_reader = (ROOT / "scripts" / "_ops.py").read_text()
    for workload in workloads():
        for container in _containers(workload):
            if not container["image"].startswith(IMAGE_NAME):
                continue
            for name in _env(container):
                assert name in settings_reads or f'"{name}"' in ops_reader, (
                    f"{name} is read by neither domain/settings.py nor scripts/_ops.py"
                )


def test_app_containers_run_commands_that_exist() -> None:
    import cli

    parser = cli.build_parser()
    for workload in workloads():
        for container in _containers(workload):
            if not container["image"].startswith(IMAGE_NAME):
                continue
            command = container["command"]
            if command[0] == "hotelbot":
                parser.parse_args(command[1:])
            else:
                assert command[:2] == ["/bin/sh", "-c"]
                for script in re.findall(r"python (scripts/\S+\.py)", command[2]):
                    assert (ROOT / script).is_file(), script
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                exec_command = container.get(probe, {}).get("exec", {}).get("command")
                if exec_command and exec_command[0] == "hotelbot":
                    parser.parse_args(exec_command[1:])


def test_services_select_pods_and_ports_that_exist() -> None:
    pods = [(pod_labels(w), pod_spec(w)) for w in workloads()]
    for _, service in all_objects():
        if service["kind"] != "Service":
            continue
        selector = service["spec"]["selector"]
        [(_, pod)] = [(labels, pod) for labels, pod in pods if selector.items() <= labels.items()]
        port_names = {p["name"] for c in pod["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names


def test_network_policies_open_the_ports_the_pods_listen_on() -> None:
    policies = {doc["metadata"]["name"]: doc for _, doc in all_objects() if doc["kind"] == "NetworkPolicy"}
    deny = policies["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}

    def ports(name: str) -> set[int]:
        return {port["port"] for rule in policies[name]["spec"]["ingress"] for port in rule["ports"]}

    assert ports("allow-ingress-controller-to-api") == {8000}
    assert ports("allow-prometheus-scrape") == {8000, 9100}
    assert ports("allow-app-to-postgres") == {5432}
    assert ports("allow-app-to-redis") == {6379}
    egress_ports = {p["port"] for rule in policies["app-egress"]["spec"]["egress"] for p in rule["ports"]}
    assert egress_ports == {53, 5432, 6379, 443}
    # every pod of the app (web, worker, migration, backup) is covered by the app selectors
    for workload in workloads():
        if workload["metadata"]["name"].startswith("whatsapp-hotel-bot"):
            assert pod_labels(workload)["app"] == "whatsapp-hotel-bot"


def test_deploy_script_names_match_the_manifests() -> None:
    deploy = ROOT / "scripts" / "deploy.sh"
    text = deploy.read_text()
    assert f'API="{API}"' in text
    assert f'WORKER="{WORKER}"' in text
    assert 'MIGRATE_JOB="whatsapp-hotel-bot-migrate"' in text
    assert f'IMAGE_NAME="{IMAGE_NAME}"' in text
    assert "k8s/migrate-job.yaml" in text
    assert f'NAMESPACE="{NAMESPACE}"' in text
    # kubectl set image CONTAINER=IMAGE uses these container names by default
    assert "API_CONTAINER:-api}" in text
    assert "WORKER_CONTAINER:-worker}" in text


def test_app_images_are_the_documented_image() -> None:
    for workload in workloads():
        for container in _containers(workload):
            if workload["metadata"]["name"].startswith("whatsapp-hotel-bot"):
                assert container["image"].split(":")[0] == IMAGE_NAME


def test_manifests_have_no_tabs() -> None:
    for path in manifest_files():
        assert "\t" not in path.read_text(), path


def test_metrics_scrapes_send_the_token_the_pods_ask_for() -> None:
    """METRICS_TOKEN comes from the Secret, and both ServiceMonitors send that same key."""
    for name in (API, WORKER):
        [container] = pod_spec(find("Deployment", name))["containers"]
        ref = _env(container)["METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == ("whatsapp-hotel-bot-secrets", "metrics-token")
        [endpoint] = find("ServiceMonitor", name)["spec"]["endpoints"]
        assert endpoint["authorization"] == {
            "type": "Bearer",
            "credentials": {"name": "whatsapp-hotel-bot-secrets", "key": "metrics-token"},
        }


def test_the_api_trusts_forwarded_addresses_only_from_the_configured_proxies() -> None:
    [container] = pod_spec(find("Deployment", API))["containers"]
    assert not any("forwarded" in part for part in container["command"])
    ref = _env(container)["TRUSTED_PROXIES"]["valueFrom"]["configMapKeyRef"]
    assert (ref["name"], ref["key"]) == ("whatsapp-hotel-bot-config", "trusted-proxies")
    config = find("ConfigMap", "whatsapp-hotel-bot-config")["data"]
    assert TrustedProxies.parse(config["trusted-proxies"].split(",")).networks  # valid, not empty
