"""Writes on users."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.users.errors import UsersErrorCode
from smarketing.users.models import User
from smarketing.users.roles import Role


def user_create(
    *,
    username: str,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    manager: User | None = None,
    check_password: bool = True,
) -> User:
    """Create a user with a role; a sales rep must name a manager. Admins get the Django admin."""
    if role not in Role.values:
        raise DomainError(
            f"Unknown role {role!r}: use one of {', '.join(Role.values)}.",
            code=UsersErrorCode.INVALID_ROLE,
            field="role",
        )
    if not username.strip():
        raise DomainError(
            "A username is required.", code=CommonErrorCode.REQUIRED, field="username"
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(
            f"{email!r} is not a valid email address.",
            code=UsersErrorCode.INVALID_EMAIL,
            field="email",
        ) from exc
    if role == Role.SALES_REP and manager is None:
        raise DomainError(
            "A sales rep needs a manager.", code=UsersErrorCode.MANAGER_REQUIRED, field="manager"
        )
    user = User(
        username=username.strip(),
        email=email.strip(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        manager=manager,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(
                " ".join(exc.messages), code=UsersErrorCode.WEAK_PASSWORD, field="password"
            ) from exc
    user.set_password(password)
    with transaction.atomic():
        if User.objects.filter(username__iexact=user.username).exists():
            raise ConflictError(
                f"A user named {user.username!r} already exists.",
                code=UsersErrorCode.DUPLICATE_USERNAME,
                field="username",
            )
        user.save()
    return user
