"""The user model: a person with one role and, for sales reps, a manager."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.users.roles import Role


class User(AbstractUser):
    """A member of the revenue team. ``role`` decides what the person may see and do."""

    role = models.CharField(
        _("role"), max_length=32, choices=Role.choices, default=Role.MARKETING_USER
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=[("en", "English"), ("fr", "Français")], default="en"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == Role.SALES_REP and self.manager_id is None:
            raise ValidationError({"manager": _("A sales rep needs a manager.")})
        if self.manager_id is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": _("A person cannot be their own manager.")})
