"""The access keys hearings are shown by (see shared/domain/access.py for how they are used)."""

from __future__ import annotations

PUBLIC = "public"
EMPLOYEES = "employees"


def staff_key(subject: str) -> str:
    return f"staff:{subject}"


def subject_key(subject: str) -> str:
    return f"subject:{subject}"
