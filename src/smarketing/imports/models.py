"""Imports started from the web: the uploaded file, its mapping, and each step's outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """The wizard's steps."""

    MAPPING = "mapping", _("Choose the columns")
    CHECKING = "checking", _("Dry run in progress")
    CHECKED = "checked", _("Dry run done")
    RUNNING = "running", _("Import in progress")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class JobOrigin(models.TextChoices):
    """Where an import was started."""

    WEB = "web", _("Import page")
    CLI = "cli", _("Command line")


class ImportJob(models.Model):
    """One file going through upload → mapping → dry run → import → report (from the import
    page), or one ``smarketing import`` run (recorded when it ends, with its report)."""

    kind = models.CharField(_("records"), max_length=16)
    file_name = models.CharField(_("file"), max_length=255)
    stored_as = models.CharField(max_length=500, editable=False)
    columns = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("mapping"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.MAPPING
    )
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    progress = models.FloatField(_("progress"), default=0.0)
    dry_run = models.JSONField(_("dry run"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    origin = models.CharField(
        _("started from"), max_length=8, choices=JobOrigin.choices, default=JobOrigin.WEB
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
        null=True,  # an import from the command line has no user
        blank=True,
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.file_name}"


class SavedMapping(models.Model):
    """A mapping someone saved to reuse for the next file of the same shape."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("records"), max_length=16)
    data = models.JSONField(_("mapping"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("saved by"),
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
