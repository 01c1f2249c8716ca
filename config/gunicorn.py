"""Gunicorn settings for `make run` and production (gunicorn -c config/gunicorn.py).

Measured against granian with `make bench` (README): gunicorn's sync workers, one more
than twice the cores, gave the cleanest write latency. Environment: PORT, HOST, METRICS_PORT,
WEB_CONCURRENCY (workers), PROMETHEUS_MULTIPROC_DIR.
SIGTERM (what Kubernetes sends) stops accepting and lets requests in flight finish.
"""

import multiprocessing
import os
import shutil
from pathlib import Path

wsgi_app = "config.wsgi:application"
_host = os.environ.get("HOST", "127.0.0.1")
bind = [f"{_host}:{os.environ.get('PORT', '8000')}"]
# /metrics answers only on this second port (config/metrics.py), which the Kubernetes Service,
# and so the Ingress, does not expose.
if os.environ.get("METRICS_PORT"):
    bind.append(f"{_host}:{os.environ['METRICS_PORT']}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
preload_app = True  # import Django once; workers fork from a warmed-up master
control_socket_disable = True  # no control socket in the home directory (read-only in containers)

# Metrics from all workers: each writes its samples to files in this directory, which
# /metrics sums up. It must be set before the app (and prometheus_client) is imported.
# Emptied at start: files left by an earlier run would add their old counts.
_var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
_metrics = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "prometheus")))
shutil.rmtree(_metrics, ignore_errors=True)
_metrics.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
