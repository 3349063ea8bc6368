"""A real Celery worker (perno worker --beat) against Redis delivers a due reminder."""

import datetime
import os
import secrets
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from conftest import port_open, require
from perno.activities.models import Notification
from perno.activities.services import activity_create
from perno.activities.tasks import send_activity_reminders_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_worker_delivers_a_reminder_through_redis(user, tmp_path):
    require(port_open("127.0.0.1", 6379), "Redis is not reachable at 127.0.0.1:6379")

    broker = settings.PERNO_TEST_REDIS_URL
    redis.Redis.from_url(broker).flushdb()
    activity = activity_create(
        actor=user,
        data={
            "subject": "Richiamare il cliente",
            "remind_at": timezone.now() - datetime.timedelta(minutes=1),
        },
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.prod",
        "PERNO_SECRET_KEY": secrets.token_urlsafe(40),
        "PERNO_DATABASE_URL": database_url(),
        "PERNO_REDIS_URL": broker,
        "PERNO_DATA_DIR": str(tmp_path),
        "PERNO_REMINDER_INTERVAL": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perno.cli",
            "worker",
            "--beat",
            "--concurrency",
            "1",
            "--loglevel",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            if Notification.objects.filter(activity=activity).exists():
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    notification = Notification.objects.filter(activity=activity).first()
    assert notification is not None, f"no reminder delivered; worker output:\n{output[-3000:]}"
    assert notification.user == user
    assert notification.title == "Reminder: Richiamare il cliente"


def test_without_redis_tasks_run_in_process(user):

    assert settings.CELERY_TASK_ALWAYS_EAGER
    activity_create(
        actor=user,
        data={"subject": "Subito", "remind_at": timezone.now() - datetime.timedelta(seconds=5)},
    )
    assert send_activity_reminders_task.delay().get() == 1
    assert Notification.objects.count() == 1
