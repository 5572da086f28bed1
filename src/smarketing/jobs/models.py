"""Models of the worker: live workers (leases), periodic schedules and the outbox."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerLease(models.Model):
    """A running worker process. Its tasks are its own while ``heartbeat_at`` is recent."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=200)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), default=timezone.now)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class Schedule(models.Model):
    """When a periodic job runs next. Claimed with a conditional UPDATE: never fired twice."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class OutboxEntry(models.Model):
    """A task enqueued inside a transaction, waiting to be relayed to an external queue (Redis)."""

    task_path = models.CharField(_("task"), max_length=300)
    args_kwargs = models.JSONField(_("arguments"))
    run_after = models.DateTimeField(_("run after"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"{self.task_path} #{self.pk}"
