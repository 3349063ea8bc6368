"""`perno migrate`, `serve`, `demo`, `worker` and the embedded `scheduler`."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from perno.cli.environment import demo_secret, prepare_data_dir, setup_django


def cmd_migrate(args: argparse.Namespace) -> int:
    prepare_data_dir(args.data_dir)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    from perno.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()
    return 0


def _serve(host: str, port: int, workers: int) -> int:
    """Run gunicorn; without Redis also the in-process scheduler for periodic jobs."""
    processes: list[subprocess.Popen[Any]] = []
    if not os.environ.get("PERNO_REDIS_URL"):
        processes.append(subprocess.Popen([sys.executable, "-m", "perno.cli", "scheduler"]))
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "gunicorn",
            "perno.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            # No gunicorn access log: its request line keeps query strings (searches,
            # privacy look-ups). The application logs each request (perno.access).
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
            "--no-control-socket",
        ]
    )
    processes.append(gunicorn)

    def stop(signum: int, frame: Any) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = gunicorn.wait()
    finally:
        stop(0, None)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    prepare_data_dir(args.data_dir)
    setup_django()  # fails early with a clear message on bad configuration
    return _serve(args.host, args.port, args.workers)


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = prepare_data_dir(args.data_dir)
    demo_secret(data_dir)
    # The demo serves plain http://127.0.0.1; a real deployment sits behind HTTPS.
    os.environ.setdefault("PERNO_HTTPS", "false")
    setup_django()
    from django.core.management import call_command

    print(f"Perno demo — data in {data_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    from perno.seed.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    load_demo(report=print)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(
        f"\nLog in at http://{args.host}:{args.port}/ with one of these demo users (password: {DEMO_PASSWORD}):"
    )
    for username, first, last, role, team in DEMO_USERS:
        print(f"  {username:<10} {first} {last} — {role}{' — ' + team if team else ''}")
    print(
        f"API: http://{args.host}:{args.port}/api/v1/docs  (create a token: perno token create admin)\n"
    )
    sys.stdout.flush()
    return _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    if not os.environ.get("PERNO_REDIS_URL"):
        print(
            "perno worker needs PERNO_REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it tasks run in-process.",
            file=sys.stderr,
        )
        return 2
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.config.celery import app

    argv = ["worker", "--loglevel", args.loglevel, "--concurrency", str(args.concurrency)]
    if args.beat:
        argv.append("--beat")
        argv += ["--schedule", str(Path(os.environ["PERNO_DATA_DIR"]) / "celerybeat-schedule")]
    app.worker_main(argv)
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Embedded periodic jobs for the single-process set-up (no Redis, no beat)."""
    setup_django()
    from django.conf import settings
    from django.db import close_old_connections

    from perno.config.celery import app

    app.loader.import_default_modules()
    last_run: dict[str, float] = {}
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            interval = float(entry["schedule"])  # type: ignore[arg-type]
            if now - last_run.get(name, 0.0) >= interval:
                last_run[name] = now
                try:
                    app.tasks[entry["task"]].apply()
                except Exception as exc:  # a failing job must not stop the others
                    print(f"scheduler: {name} failed: {exc}", file=sys.stderr)
                finally:
                    close_old_connections()
        time.sleep(1)
    return 0
