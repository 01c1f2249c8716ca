"""The deployment files: the Dockerfile, compose.yaml and the Kubernetes manifests.

No container engine or cluster is needed. The manifests are rendered with `kubectl kustomize`
(the kubectl that requirements-dev.txt pins; with REQUIRE_KUBECTL=1, as in CI, a missing one
fails the tests instead of skipping them) and validated offline, strictly (no unknown fields), against the Kubernetes API schemas that
the `kubernetes-validate` package ships. Every environment variable the deployment sets must be
one the settings read and one documented in .env.example, so a misspelt or stale name fails here
instead of being silently ignored in production.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes" / "base"
PRODUCTION = ROOT / "deploy" / "kubernetes" / "overlays" / "production"
KUBERNETES_VERSION = "1.32"

CONFIG_MAP = "course-config"
SECRET = "course-secrets"
APP_IMAGE = "course-site"

# Names read by libraries rather than by os.environ calls in our settings.
EXTERNAL_NAMES = {
    "DATABASE_URL",  # dj_database_url.config() in config/settings.py
    "PROMETHEUS_MULTIPROC_DIR",  # prometheus_client, in every gunicorn worker
}
ENV_READ = re.compile(
    r"""(?:os\.environ\.get\(|os\.environ\.setdefault\(|os\.environ\[|os\.getenv\(|env_bool\()\s*["']([A-Z][A-Z0-9_]*)["']""",
)


def kubectl():
    """The venv's kubectl (requirements-dev.txt pins it) before any other on the PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("kubectl", path=path)
    if found is None:
        message = "kubectl (with its built-in kustomize) is not installed: `make setup` installs it"
        if os.environ.get("REQUIRE_KUBECTL"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def kustomize(directory):
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def production():
    return kustomize(PRODUCTION)


@pytest.fixture(scope="module")
def base():
    return kustomize(BASE)


def only(objects, kind, name):
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def validation_errors(objects):
    errors = []
    for obj in objects:
        what = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{what}: {'.'.join(str(p) for p in e.path)}: {e.message}")
        except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as e:
            errors.append(f"{what}: {e.message}")
    return errors


def pod_spec(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def settings_read():
    names = set(EXTERNAL_NAMES)
    for path in (ROOT / "config" / "settings.py", ROOT / "config" / "gunicorn.py"):
        names |= set(ENV_READ.findall(path.read_text()))
    return names


def documented():
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {m.group(1) for line in lines if (m := re.match(r"([A-Z][A-Z0-9_]*)=", line))}


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def compose_app_services():
    services = compose()["services"]
    return {name: s for name, s in services.items() if str(s.get("image", "")).split(":")[0] == APP_IMAGE}


def compose_environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def command_line(command):
    return command if isinstance(command, str) else shlex.join(command)


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            instructions.append((instruction.upper(), arguments.strip()))
    return instructions


def final_stage(instructions):
    last_from = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM")
    return instructions[last_from:]


def exec_form(arguments):
    """The argument list of CMD or ENTRYPOINT, in exec (JSON) or shell form."""
    try:
        return json.loads(arguments)
    except json.JSONDecodeError:
        return ["/bin/sh", "-c", arguments]


# Kubernetes


def test_the_production_overlay_renders_and_every_object_validates_strictly(production):
    kinds = {o["kind"] for o in production}
    assert kinds >= {
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Job",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
    assert validation_errors(production) == []


def test_the_base_renders_and_every_object_validates_strictly(base):
    assert validation_errors(base) == []


def test_strict_validation_rejects_an_unknown_field(production):
    deployment = json.loads(json.dumps(only(production, "Deployment", "course-web")))
    pod_spec(deployment)["containers"][0]["livenessProbes"] = {}
    assert validation_errors([deployment]) != []


def test_the_production_overlay_sets_the_namespace_image_and_scale(production):
    for obj in production:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "course", obj["kind"]
    for kind, name in (("Deployment", "course-web"), ("Job", "course-migrate")):
        (container,) = pod_spec(only(production, kind, name))["containers"]
        assert container["image"] == "registry.example.org/course-site:1.0.0"
    assert only(production, "Deployment", "course-web")["spec"]["replicas"] == 3
    hpa = only(production, "HorizontalPodAutoscaler", "course-web")
    assert hpa["spec"]["maxReplicas"] == 10
    assert hpa["spec"]["minReplicas"] <= 3
    config = only(production, "ConfigMap", CONFIG_MAP)["data"]
    assert config["ALLOWED_HOSTS"] == "course.example.org"
    assert config["CSRF_TRUSTED_ORIGINS"] == "https://course.example.org"


def test_the_deployment_probes_health_and_readiness_endpoints(production):
    (container,) = pod_spec(only(production, "Deployment", "course-web"))["containers"]
    port_names = {p.get("name") for p in container["ports"]}
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"]["path"] == path, probe
        assert container[probe]["httpGet"]["port"] in port_names | {8000}, probe
    assert container["startupProbe"]["failureThreshold"] * container["startupProbe"]["periodSeconds"] >= 60


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Deployment", "course-web"),
        ("Job", "course-migrate"),
        ("CronJob", "course-reminders"),
        ("CronJob", "course-scores"),
    ],
)
def test_pods_run_as_non_root_on_a_read_only_filesystem_with_a_writable_tmp(production, kind, name):
    spec = pod_spec(only(production, kind, name))
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    (container,) = spec["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    for section in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][section]), section
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "/tmp" in mounts
    assert not mounts["/tmp"].get("readOnly", False)
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]


def test_the_job_migrates_and_the_web_pods_never_do(production):
    (job_container,) = pod_spec(only(production, "Job", "course-migrate"))["containers"]
    job_command = " ".join(job_container["command"] + job_container.get("args", []))
    assert "manage.py migrate" in job_command
    assert pod_spec(only(production, "Job", "course-migrate"))["restartPolicy"] in {"Never", "OnFailure"}

    (web,) = pod_spec(only(production, "Deployment", "course-web"))["containers"]
    assert "migrate" not in " ".join(web.get("command", []) + web.get("args", []))


def test_the_reminders_run_hourly_one_run_at_a_time(production):
    cron = only(production, "CronJob", "course-reminders")
    minute, hour, *rest = cron["spec"]["schedule"].split()
    assert minute.isdigit() and hour == "*" and rest == ["*", "*", "*"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = pod_spec(cron)["containers"]
    assert "manage.py send_reminders" in " ".join(container["command"])
    assert pod_spec(cron)["restartPolicy"] in {"Never", "OnFailure"}
    config = only(production, "ConfigMap", CONFIG_MAP)["data"]
    assert config["SITE_URL"] == "https://course.example.org"  # the e-mails' links


def test_scores_go_to_the_lms_every_five_minutes_one_run_at_a_time(production):
    cron = only(production, "CronJob", "course-scores")
    assert cron["spec"]["schedule"] == "*/5 * * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = pod_spec(cron)["containers"]
    assert "manage.py send_scores" in " ".join(container["command"])
    scores = compose_app_services()["scores"]
    assert "manage.py send_scores" in command_line(scores["command"]) and "sleep 300" in command_line(scores["command"])


def test_compose_runs_the_reminders_hourly():
    reminders = compose_app_services()["reminders"]
    command = command_line(reminders["command"])
    assert "manage.py send_reminders" in command and "sleep 3600" in command and "while true" in command
    assert reminders["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_web_pods_drain_before_they_stop(production):
    spec = pod_spec(only(production, "Deployment", "course-web"))
    (container,) = spec["containers"]
    assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    assert spec["terminationGracePeriodSeconds"] > 5


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Deployment", "course-web"),
        ("Job", "course-migrate"),
        ("CronJob", "course-reminders"),
        ("CronJob", "course-scores"),
    ],
)
def test_every_env_from_refers_to_the_config_map_and_the_secret(production, kind, name):
    (container,) = pod_spec(only(production, kind, name))["containers"]
    refs = [(ref_kind, source[ref_kind]["name"]) for source in container["envFrom"] for ref_kind in source]
    assert sorted(refs) == [("configMapRef", CONFIG_MAP), ("secretRef", SECRET)]
    only(production, "ConfigMap", CONFIG_MAP)  # the ConfigMap is part of the render; the Secret is not
    assert not [o for o in production if o["kind"] == "Secret"]


def test_the_service_pdb_and_autoscaler_select_the_web_pods_only(production):
    deployment = only(production, "Deployment", "course-web")
    selector = deployment["spec"]["selector"]["matchLabels"]
    web_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= web_labels.items()
    assert selector["app.kubernetes.io/name"] == "course-site"

    service = only(production, "Service", "course-web")
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert only(production, "PodDisruptionBudget", "course-web")["spec"]["selector"]["matchLabels"] == selector
    target = only(production, "HorizontalPodAutoscaler", "course-web")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "course-web")

    job_labels = only(production, "Job", "course-migrate")["spec"]["template"]["metadata"]["labels"]
    assert not selector.items() <= job_labels.items(), "the Service would send traffic to the migration pod"

    backend = only(production, "Ingress", "course-web")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "course-web", "port": {"number": service["spec"]["ports"][0]["port"]}}


def target_port(objects, service, port):
    """The container port numbers a Service port reaches, in every workload its selector picks."""
    target = port.get("targetPort", port["port"])
    numbers = set()
    for workload in objects:
        if workload["kind"] not in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            continue
        if not service["spec"]["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items():
            continue
        for container in pod_spec(workload)["containers"]:
            for declared in container.get("ports", []):
                if target in (declared["containerPort"], declared.get("name")):
                    numbers.add(declared["containerPort"])
        if isinstance(target, int):
            numbers.add(target)  # a number needs no declaration to be reached
    return numbers


def test_no_ingress_path_reaches_the_metrics_port(production):
    """The ingress controller's requests come from the pod network, which may read /metrics on its port."""
    metrics_port = only(production, "ConfigMap", CONFIG_MAP)["data"].get("METRICS_PORT")
    assert metrics_port, "without METRICS_PORT /metrics answers on the port the Ingress reaches"
    services = {o["metadata"]["name"]: o for o in production if o["kind"] == "Service"}
    reached = set()
    for ingress in (o for o in production if o["kind"] == "Ingress"):
        backends = [ingress["spec"]["defaultBackend"]] if "defaultBackend" in ingress["spec"] else []
        for rule in ingress["spec"].get("rules", []):
            backends += [path["backend"] for path in rule.get("http", {}).get("paths", [])]
        for backend in backends:
            service = services[backend["service"]["name"]]
            wanted = backend["service"]["port"]
            (port,) = [
                p for p in service["spec"]["ports"] if wanted in ({"number": p["port"]}, {"name": p.get("name")})
            ]
            reached |= target_port(production, service, port)
    assert reached == {8000}  # the image's PORT, where the site is served
    for service in services.values():  # nor any other way in a Service would give
        for port in service["spec"]["ports"]:
            assert int(metrics_port) not in target_port(production, service, port), service["metadata"]["name"]


def test_prometheus_scrapes_the_web_pods_on_the_metrics_port(production):
    metrics_port = only(production, "ConfigMap", CONFIG_MAP)["data"]["METRICS_PORT"]
    template = only(production, "Deployment", "course-web")["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == metrics_port
    assert annotations["prometheus.io/path"] == "/metrics"
    (container,) = template["spec"]["containers"]
    assert {"name": "metrics", "containerPort": int(metrics_port), "protocol": "TCP"} in container["ports"]


# compose.yaml


def test_compose_runs_two_app_containers_behind_a_proxy_with_postgres_and_redis():
    services = compose()["services"]
    app = compose_app_services()
    assert set(app) == {"migrate", "web1", "web2", "reminders", "scores"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["proxy"]["image"].startswith("nginx:")
    assert "healthcheck" in services["db"] and "healthcheck" in services["redis"]

    nginx = (ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    assert "server web1:8000" in nginx and "server web2:8000" in nginx
    assert any("deploy/nginx/compose.conf" in volume for volume in services["proxy"]["volumes"])


def test_compose_runs_redis_with_a_memory_limit_that_evicts_only_keys_that_expire():
    command = compose()["services"]["redis"]["command"]
    assert command[0] == "redis-server"
    flags = dict(zip(command[1::2], command[2::2], strict=True))
    assert flags == {"--maxmemory": "256mb", "--maxmemory-policy": "volatile-lru"}


def test_compose_app_containers_run_gunicorn_and_never_migrate():
    app = compose_app_services()
    assert "manage.py migrate" in command_line(app["migrate"]["command"])

    image_cmd = [
        exec_form(args) for instruction, args in final_stage(dockerfile_instructions()) if instruction == "CMD"
    ]
    for name in ("web1", "web2"):
        service = app[name]
        command = command_line(service["command"]) if "command" in service else shlex.join(image_cmd[-1])
        assert "gunicorn" in command, name
        assert "migrate" not in command, name
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["db"]["condition"] == "service_healthy", name
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name


# Environment variables


def test_every_variable_the_deployment_sets_is_read_by_the_settings_and_documented(production):
    read = settings_read()
    documented_names = documented()
    config_map = set(only(production, "ConfigMap", CONFIG_MAP)["data"])
    assert config_map, "the ConfigMap sets nothing"
    set_by = {f"ConfigMap {CONFIG_MAP}": config_map}
    for name, service in compose_app_services().items():
        set_by[f"compose service {name}"] = set(compose_environment(service))

    unread = {where: sorted(names - read) for where, names in set_by.items() if names - read}
    undocumented = {
        where: sorted(names - documented_names) for where, names in set_by.items() if names - documented_names
    }
    assert unread == {}, "set but never read by config/settings.py or config/gunicorn.py"
    assert undocumented == {}, "set but missing from .env.example"


# Dockerfile


def test_the_dockerfile_builds_in_two_stages_and_runs_gunicorn_as_a_non_root_user():
    instructions = dockerfile_instructions()
    froms = [args.split()[0] for instruction, args in instructions if instruction == "FROM"]
    assert froms == ["python:3.11-slim", "python:3.11-slim"]

    runs = [args for instruction, args in instructions if instruction == "RUN"]
    assert any("collectstatic" in run for run in runs)
    pip_installs = [run for run in runs if "pip install" in run]
    assert pip_installs and all("-r requirements.txt" in run and "requirements-dev" not in run for run in pip_installs)

    final = final_stage(instructions)
    users = [args for instruction, args in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}

    healthchecks = [args for instruction, args in final if instruction == "HEALTHCHECK"]
    assert healthchecks and "/healthz" in healthchecks[-1]

    starts = {instruction: exec_form(args) for instruction, args in final if instruction in {"CMD", "ENTRYPOINT"}}
    start = starts.get("ENTRYPOINT", []) + starts.get("CMD", [])
    assert start[0] == "gunicorn"
    assert "migrate" not in " ".join(start)
