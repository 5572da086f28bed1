"""Read-only admin of the worker's state."""

from django.contrib import admin

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.jobs.models import OutboxEntry, Schedule, WorkerLease


@admin.register(WorkerLease)
class WorkerLeaseAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "heartbeat_at")


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ("name", "next_run_at", "last_run_at")


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "task_path", "run_after", "created_at")
