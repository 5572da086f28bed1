"""factory_boy factories for the shared record and users."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Account, Contact
from smarketing.core.text import email_normalize, search_key
from smarketing.users.models import User
from smarketing.users.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.MARKETING_USER
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.ADMIN)
    is_superuser = factory.LazyAttribute(lambda u: u.role == Role.ADMIN)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    sector = "software"
    size_band = "51-200"
    country = "FR"


class ContactFactory(factory.django.DjangoModelFactory):
    """A contact created directly (no history row); use the services to test history."""

    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@company.example")
    email_normalized = factory.LazyAttribute(lambda c: email_normalize(c.email))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    search_name = factory.LazyAttribute(lambda c: search_key(f"{c.first_name} {c.last_name}"))
    account = factory.SubFactory(AccountFactory)
    lifecycle_stage = LifecycleStage.LEAD
    stage_changed_at = factory.LazyFunction(timezone.now)


def agreement_signed(text: str, marketing: Any, sales: Any) -> Any:
    """Draft ``text``, approve it on both sides and activate it; return the active version."""
    from smarketing.agreement.services import (
        agreement_activate,
        agreement_approve,
        agreement_draft_create,
    )

    version = agreement_draft_create(actor=marketing, text=text)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    return agreement_activate(actor=sales, version=version)
