"""Fixtures shared by every test folder."""

from tests.azurite_fixture import azurite

__all__ = ["azurite"]
