"""Gunicorn settings for `make run` and production (gunicorn -c config/gunicorn.py).

Measured against granian with `make bench` (README): gunicorn's sync workers, one more
than twice the cores, gave the best figures on this app. Environment: PORT, HOST,
WEB_CONCURRENCY (workers).
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
preload_app = True  # import Django once; workers fork from a warmed-up master
