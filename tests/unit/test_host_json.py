"""host.json is read once into a typed model; a value of the wrong shape is refused with its key named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local_host.host_json import HostJson, InvalidHostJson

REPO_ROOT = Path(__file__).resolve().parents[2]


def written(folder: Path, document: dict[str, Any]) -> Path:
    (folder / "host.json").write_text(json.dumps({"version": "2.0", **document}))
    return folder


def test_the_portals_host_json_is_read() -> None:
    host_json = HostJson.read(REPO_ROOT)

    # The web pages live at the root; functions.http puts the API under api/ itself.
    assert host_json.route_prefix == ""
    assert host_json.lock_renewal_limit == 600


def test_without_a_host_json_the_functions_hosts_defaults_apply(tmp_path: Path) -> None:
    host_json = HostJson.read(tmp_path)

    assert (host_json.route_prefix, host_json.lock_renewal_limit) == ("api", 600)


@pytest.mark.parametrize(("prefix", "expected"), [("", ""), ("/portal/", "portal"), ("v1/api", "v1/api")])
def test_the_route_prefix_may_be_empty_or_nested(tmp_path: Path, prefix: str, expected: str) -> None:
    host_json = HostJson.read(written(tmp_path, {"extensions": {"http": {"routePrefix": prefix}}}))

    assert host_json.route_prefix == expected


@pytest.mark.parametrize(
    ("document", "seconds"),
    [
        ({"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": "00:05:00"}}}, 300),
        (
            {"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": "1.00:00:00"}}, "functionTimeout": "00:01:00"},
            86400,
        ),
        ({"functionTimeout": "00:10:00"}, 600),
        ({"functionTimeout": "00:02:30.5"}, 150.5),
        ({"functionTimeout": "-1"}, 600),  # no limit: renewal still ends after the default, as in Azure
        (
            {"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": "00:00:00"}}, "functionTimeout": "00:03:00"},
            180,
        ),
        ({}, 600),
    ],
)
def test_locks_are_renewed_for_as_long_as_host_json_allows(
    tmp_path: Path, document: dict[str, Any], seconds: float
) -> None:
    assert HostJson.read(written(tmp_path, document)).lock_renewal_limit == seconds


def test_keys_the_local_host_does_not_act_on_are_accepted() -> None:
    document = {"logging": {"logLevel": {"default": "Information"}}, "extensions": {"serviceBus": {"prefetchCount": 5}}}

    assert HostJson.parse(document).route_prefix == "api"


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"functionTimeout": "ten minutes"}, "functionTimeout"),
        ({"functionTimeout": 600}, "functionTimeout"),
        (
            {"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": "5m"}}},
            "extensions.serviceBus.maxAutoLockRenewalDuration",
        ),
        ({"extensions": {"http": {"routePrefix": 7}}}, "extensions.http.routePrefix"),
        ({"extensions": {"http": "api"}}, "extensions.http"),
        ({"extensions": []}, "extensions"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(tmp_path: Path, document: dict[str, Any], key: str) -> None:
    with pytest.raises(InvalidHostJson) as caught:
        HostJson.read(written(tmp_path, document))

    assert f"host.json: {key}: " in str(caught.value)


def test_a_host_json_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text('{"version": "2.0",}')

    with pytest.raises(InvalidHostJson, match=r"host\.json: not valid JSON"):
        HostJson.read(tmp_path)
