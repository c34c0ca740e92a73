"""The capacity model in docs/capacity.md, computed from measurements and Azure's published limits.

    python -m tools.capacity > docs/capacity.md        (or: make capacity)

Inputs: docs/capacity-inputs.json (figures measured by make bench, assumptions, Azure limits and RU
rules of thumb, each with its source), the sizes of a realistic response as the domain model
serialises it, and the Bicep in infra/ (indexing policy, scale settings). The output is plain
arithmetic on those inputs; a unit test checks that the committed document equals it.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.adapters.aes_vault import AesGcmVault
from shared.domain.audit import AuditEvent
from shared.domain.identity import Identity, IdentityKind
from shared.domain.response import Response
from shared.domain.screening import screen
from shared.ports.messages import OutgoingMessage
from tools import bicep

INPUTS = bicep.ROOT / "docs" / "capacity-inputs.json"
DOCUMENT = bicep.ROOT / "docs" / "capacity.md"

# Written to a hearing's own logical partition in the audit container when a response is screened.
AUDIT_ACTION = "response.received"
ALWAYS_EXCLUDED = ('/"_etag"/?',)


@dataclass(frozen=True)
class Sizes:
    intake_bytes: int
    screened_bytes: int
    audit_bytes: int
    message_bytes: int
    response_paths: list[str]
    audit_paths: list[str]


def load_inputs(path: Path = INPUTS) -> dict[str, Any]:
    inputs: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return inputs


def realistic_text(characters: int) -> str:
    """Danish prose of the given length: what a citizen's response to a local plan looks like."""
    sentence = (
        "Jeg bor på Nørrebro og har læst forslaget til lokalplanen grundigt. Jeg er bekymret for trafikken "
        "på de små gader, for skolebørnenes vej og for de træer, der skal fældes ved åen. "
    )
    return (sentence * (characters // len(sentence) + 1))[:characters].rstrip() + "."


def measure_sizes(text_characters: int) -> Sizes:
    """Serialise a response as the portal stores it, at intake and after screening, with its audit entry."""
    received = datetime(2025, 3, 14, 22, 59, 59, 123456, tzinfo=UTC)
    citizen = Identity(
        subject="mitid:9f1c2d3e-4b5a-6789-abcd-ef0123456789", kind=IdentityKind.CITIZEN, name="Anna Hansen"
    )
    response = Response.receive("lokalplan-2025-017", citizen, realistic_text(text_characters), False, received)
    # The seal's length does not depend on the key; a fixed key keeps the sizes reproducible.
    response.respondent.cpr_sealed = AesGcmVault(bytes(32)).seal("0101901234")
    intake = response.to_document()
    response.record_screening(screen(response.text), received + timedelta(seconds=3))
    screened = response.to_document()
    audit = AuditEvent.record(
        None,
        response.hearing_id,
        AUDIT_ACTION,
        response.updated_at,
        target=f"response:{response.id}",
        event_id=f"{response.id}:{response.digest[-16:]}",
        respondent=response.respondent.subject,
        digest=response.digest,
    ).to_document()
    message = OutgoingMessage(
        message_id=f"{response.id}:{response.digest[-16:]}",
        subject="response-received",
        body={"hearingId": response.hearing_id, "responseId": response.id},
    )
    return Sizes(
        intake_bytes=_stored_bytes(intake),
        screened_bytes=_stored_bytes(screened),
        audit_bytes=_stored_bytes(audit),
        message_bytes=len(message.encoded()) + len(message.message_id) + len(message.subject),
        response_paths=leaf_paths(screened),
        audit_paths=leaf_paths(audit),
    )


def _stored_bytes(document: dict[str, Any]) -> int:
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


def leaf_paths(value: Any, prefix: str = "") -> list[str]:
    """Index path templates of a document, as Cosmos DB names them (/respondent/kind/?, /flags/[]/kind/?)."""
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, f"{prefix}/{key}")]
    if isinstance(value, list):
        paths = {path for item in value for path in leaf_paths(item, f"{prefix}/[]")}
        return sorted(paths) or [f"{prefix}/[]/?"]
    return [f"{prefix}/?"]


def is_excluded(path: str, excluded: list[str]) -> bool:
    for rule in excluded:
        if rule.endswith("/*") and (path + "/").startswith(rule[:-1]):
            return True
        if path == rule:
            return True
    return False


def excluded_paths(container: str) -> list[str]:
    for entry in bicep.variable(bicep.module("cosmos"), "containers"):
        if entry["name"] == container:
            return [*ALWAYS_EXCLUDED, *(rule["path"] for rule in entry["excludedPaths"])]
    raise KeyError(container)


def write_ru(size_bytes: int, indexed_paths: int, rules: dict[str, Any], per_path: float) -> float:
    """Rule of thumb: base cost, plus the item's size beyond the first KB, plus its indexed paths beyond a few."""
    kilobytes = (size_bytes + rules["system_properties_bytes"]) / 1024
    base, per_kb = float(rules["write_base_ru"]), float(rules["write_ru_per_kb_after_the_first"])
    beyond_base = max(0, indexed_paths - int(rules["indexed_paths_in_the_base"]))
    return float(base + per_kb * max(0.0, kilobytes - 1) + per_path * beyond_base)


def read_ru(size_bytes: int, rules: dict[str, Any]) -> float:
    return float(max(1.0, rules["read_ru_per_kb"] * (size_bytes + rules["system_properties_bytes"]) / 1024))


def http_concurrency(inputs: dict[str, Any], io_wait_ms: float) -> int:
    """Little's law: requests in flight = requests per second an instance serves x seconds each one takes."""
    per_instance = requests_per_instance(inputs)
    cpu_ms = float(inputs["measured"]["intake_cpu_ms_per_request"])
    return math.ceil(per_instance * (cpu_ms + io_wait_ms) / 1000)


def cores_per_instance(inputs: dict[str, Any]) -> float:
    flex = inputs["azure_limits"]["flex_consumption"]
    return float(flex["cores_by_instance_memory_mb"][str(flex["instance_memory_mb"])])


def requests_per_instance(inputs: dict[str, Any]) -> float:
    utilisation = inputs["assumptions"]["target_cpu_utilisation"]
    return float(cores_per_instance(inputs) * utilisation * 1000 / inputs["measured"]["intake_cpu_ms_per_request"])


def recommended_http_concurrency(inputs: dict[str, Any] | None = None) -> int:
    inputs = inputs or load_inputs()
    return http_concurrency(inputs, inputs["assumptions"]["intake_io_wait_ms"]["central"])


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _f(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def render(inputs: dict[str, Any] | None = None) -> str:
    inputs = inputs or load_inputs()
    measured, assumed, peak = inputs["measured"], inputs["assumptions"], inputs["peak"]
    flex, cosmos, bus = (inputs["azure_limits"][key] for key in ("flex_consumption", "cosmos_db", "service_bus"))
    rules = inputs["ru_rules_of_thumb"]
    main = bicep.main()
    defaults = {
        name: bicep.parameter_default(main, name)
        for name in (
            "intakeMaximumInstanceCount",
            "workersMaximumInstanceCount",
            "workerMaxConcurrentCalls",
            "httpPerInstanceConcurrency",
            "cosmosResponsesMaxThroughput",
            "cosmosCapacityMode",
            "serviceBusSku",
        )
    }

    sizes = measure_sizes(assumed["response_text_characters"])
    excluded = excluded_paths("responses")
    indexed = [path for path in sizes.response_paths if not is_excluded(path, excluded)]
    audit_indexed = [path for path in sizes.audit_paths if not is_excluded(path, list(ALWAYS_EXCLUDED))]
    per_path = rules["write_ru_per_indexed_path"]

    def costs(per_path_ru: float, replace_factor: float, paths: int) -> tuple[float, float, float]:
        intake = write_ru(sizes.intake_bytes, paths, rules, per_path_ru)
        audit = write_ru(sizes.audit_bytes, len(audit_indexed), rules, per_path_ru)
        screening = (
            read_ru(sizes.intake_bytes, rules)
            + audit
            + replace_factor * write_ru(sizes.screened_bytes, paths, rules, per_path_ru)
        )
        return intake, screening, audit

    intake_ru, screening_ru, audit_ru = costs(
        per_path["central"], assumed["replace_ru_factor"]["central"], len(indexed)
    )
    intake_hi, screening_hi, _ = costs(per_path["high"], assumed["replace_ru_factor"]["high"], len(indexed))
    intake_all, screening_all, _ = costs(
        per_path["central"], assumed["replace_ru_factor"]["central"], len(sizes.response_paths)
    )

    # HTTP tier.
    per_instance = requests_per_instance(inputs)
    cores = cores_per_instance(inputs)
    io = assumed["intake_io_wait_ms"]
    concurrency = {key: http_concurrency(inputs, io[key]) for key in ("low", "central", "high")}
    sustained, burst = peak["sustained_per_second"], peak["burst_in_one_second"]
    sustained_instances = math.ceil(sustained / per_instance)
    burst_instances = math.ceil(burst / per_instance)
    quota_instances = math.floor(flex["regional_quota_cores"] / cores)
    intake_default_rate = defaults["intakeMaximumInstanceCount"] * per_instance
    quota_rate = quota_instances * per_instance

    # Workers: screening is I/O-bound; each instance handles maxConcurrentCalls messages at once.
    screening_cpu_ms = measured["intake_and_screening_cpu_ms_per_response"] - measured["intake_cpu_ms_per_request"]
    screening_seconds = (screening_cpu_ms + assumed["screening_io_wait_ms"]["central"]) / 1000
    calls = defaults["workerMaxConcurrentCalls"]
    screening_per_instance = min(
        calls / screening_seconds, cores * assumed["target_cpu_utilisation"] * 1000 / screening_cpu_ms
    )
    screening_instances = math.ceil(sustained / screening_per_instance)
    audit_partition_rate = cosmos["ru_per_second_per_physical_partition"] / audit_ru
    screening_rate = min(defaults["workersMaximumInstanceCount"] * screening_per_instance, audit_partition_rate)

    # Cosmos DB.
    intake_rus = sustained * intake_ru
    screening_rus = screening_rate * screening_ru
    total_rus = intake_rus + screening_rus
    partitions = math.ceil(total_rus / cosmos["ru_per_second_per_physical_partition"])
    cosmos_default_rate = defaults["cosmosResponsesMaxThroughput"] / intake_ru
    minutes = assumed["deadline_sustained_minutes"]
    responses_in_window = burst + sustained * 60 * minutes
    stored_gb = responses_in_window * (sizes.screened_bytes + rules["system_properties_bytes"]) / 1e9
    audit_gb = responses_in_window * (sizes.audit_bytes + rules["system_properties_bytes"]) / 1e9
    audit_full_after = cosmos["gb_per_logical_partition"] * 1e9 / (sizes.audit_bytes + rules["system_properties_bytes"])
    drain_hours = responses_in_window / screening_rate / 3600

    # Service Bus.
    operations = assumed["servicebus_operations_per_response"]
    credits = bus["standard_credits_per_second_per_namespace"]
    standard_rate = credits / operations
    mu = assumed["servicebus_premium_operations_per_second_per_mu"]
    mus_needed = math.ceil(sustained * operations / mu["central"])
    premium_rate = bus["premium_max_mu_per_namespace"] * mu["central"] / operations
    premium_rate_range = (
        bus["premium_max_mu_per_namespace"] * mu["low"] / operations,
        bus["premium_max_mu_per_namespace"] * mu["high"] / operations,
    )

    max_rus = defaults["cosmosResponsesMaxThroughput"]
    limits = sorted(
        [
            (standard_rate, f"Service Bus Standard (the default): {_n(credits)} operations/s per namespace"),
            (
                cosmos_default_rate,
                f"Cosmos DB autoscale at the default maximum, intake writes alone: {_n(max_rus)} RU/s",
            ),
            (audit_partition_rate, "Screening: one hearing's audit trail is one logical partition (10,000 RU/s)"),
            (premium_rate, f"Service Bus Premium at its {bus['premium_max_mu_per_namespace']} messaging units"),
            (intake_default_rate, f"Intake app at its default {defaults['intakeMaximumInstanceCount']} instances"),
            (quota_rate, f"Flex Consumption regional quota: {flex['regional_quota_cores']} cores"),
        ]
    )
    breaking = table(
        ["", "limit", "responses/s"], [[str(i), name, _n(rate)] for i, (rate, name) in enumerate(limits, 1)]
    )

    sys_bytes = rules["system_properties_bytes"]
    excluded_list = ", ".join(f"`{rule}`" for rule in excluded)
    cost_table = table(
        ["", ""],
        [
            ["CPU per intake request (HTTP, token, two durable writes)", f"{measured['intake_cpu_ms_per_request']} ms"],
            [
                "CPU per response including its screening",
                f"{measured['intake_and_screening_cpu_ms_per_response']} ms, "
                f"so screening ≈ {_f(screening_cpu_ms, 2)} ms",
            ],
            [
                f"Stored response at intake ({assumed['response_text_characters']:,} characters of text)",
                f"{_n(sizes.intake_bytes)} bytes (+{sys_bytes} bytes of Cosmos DB system properties)",
            ],
            ["Stored response after screening", f"{_n(sizes.screened_bytes)} bytes"],
            ["Audit entry written by screening", f"{_n(sizes.audit_bytes)} bytes"],
            ["Queue message (`responses-received`)", f"{_n(sizes.message_bytes)} bytes"],
            [
                "Messages per response",
                f"1 sent, 1 received and completed ({operations} Service Bus operations); no notification per response",
            ],
            [
                "Indexed paths of a response",
                f"{len(indexed)} of {len(sizes.response_paths)} "
                f"(excluded in `infra/modules/cosmos.bicep`: {excluded_list})",
            ],
        ],
    )
    ru_table = table(
        ["Per response", "RU (central)", "RU (high)", "RU with every path indexed"],
        [
            ["Intake: create the response", _f(intake_ru), _f(intake_hi), _f(intake_all)],
            ["Screening: read, audit entry, replace", _f(screening_ru), _f(screening_hi), _f(screening_all)],
            [
                "Total",
                _f(intake_ru + screening_ru),
                _f(intake_hi + screening_hi),
                _f(intake_all + screening_all),
            ],
        ],
    )
    intake_max = defaults["intakeMaximumInstanceCount"]
    http_table = table(
        ["", "responses/s", f"instances ({flex['instance_memory_mb']} MB)", "cores"],
        [
            ["Sustained peak", _n(sustained), _n(sustained_instances), _n(sustained_instances * cores)],
            [
                "The one-second burst, served within that second",
                _n(burst),
                _n(burst_instances),
                _n(burst_instances * cores),
            ],
            [
                f"What the default maximum ({intake_max} instances) carries",
                _n(intake_default_rate),
                str(intake_max),
                _n(intake_max * cores),
            ],
            [
                f"What the regional quota ({flex['regional_quota_cores']} cores) carries",
                _n(quota_rate),
                _n(quota_instances),
                str(flex["regional_quota_cores"]),
            ],
        ],
    )
    partition_ru = cosmos["ru_per_second_per_physical_partition"]
    logical_gb = cosmos["gb_per_logical_partition"]
    cosmos_table = table(
        ["", ""],
        [
            ["Intake at the sustained peak", f"{_n(intake_rus)} RU/s"],
            [f"Screening at ≈ {_n(screening_rate)}/s", f"{_n(screening_rus)} RU/s"],
            [
                "Total",
                f"{_n(total_rus)} RU/s → at least {partitions} physical partitions ({_n(partition_ru)} RU/s each)",
            ],
            [
                f"Responses stored after {minutes} minutes",
                f"{_n(responses_in_window)}, ≈ {_f(stored_gb)} GB "
                f"({cosmos['gb_per_physical_partition']} GB per physical partition)",
            ],
            [
                "Audit entries of that one hearing",
                f"≈ {_f(audit_gb)} GB in one logical partition "
                f"(limit {logical_gb} GB: full after ≈ {_n(audit_full_after)} responses)",
            ],
            [
                f"What the default `cosmosResponsesMaxThroughput` ({_n(max_rus)} RU/s) carries",
                f"≈ {_n(cosmos_default_rate)} responses/s",
            ],
        ],
    )
    max_mu = bus["premium_max_mu_per_namespace"]
    bus_table = table(
        ["", "responses/s it carries"],
        [
            [
                f"Standard (default `serviceBusSku` = {defaults['serviceBusSku']}), "
                f"{_n(credits)} credits/s per namespace",
                _n(standard_rate),
            ],
            [
                f"Premium, {max_mu} messaging units at {_n(mu['central'])} operations/s each "
                f"(assumed {_n(mu['low'])}–{_n(mu['high'])})",
                f"{_n(premium_rate)} ({_n(premium_rate_range[0])}–{_n(premium_rate_range[1])})",
            ],
            ["Needed for the sustained peak", f"{_n(mus_needed)} messaging units"],
        ],
    )
    ratio_low, ratio_high = measured["ratio_range_across_runs"]
    matches = "matches" if defaults["httpPerInstanceConcurrency"] == concurrency["central"] else "DIFFERS FROM"

    return f"""# Capacity on paper

Generated by `python -m tools.capacity > docs/capacity.md` (`make capacity`) from
[capacity-inputs.json](capacity-inputs.json), the sizes of a realistic response as
`shared/domain/response.py` serialises it, and the Bicep in `infra/`. Do not edit by hand: change the
inputs and run it again (a unit test compares this page with the script's output).

The question: one hearing at the FCC 2017 peak, {_n(burst)} responses in one second and
{_n(sustained)} a second sustained for minutes. What does it take, and what breaks first?

## What one response costs

Measured here ({measured["source"]}):

{cost_table}

Request units, from the rules of thumb in the inputs ({rules["source"]}):
write ≈ {rules["write_base_ru"]} RU + {rules["write_ru_per_kb_after_the_first"]} RU per KB after the first
+ {per_path["central"]} RU per indexed path beyond {rules["indexed_paths_in_the_base"]}
(range {per_path["low"]}–{per_path["high"]});
a point read ≈ {rules["read_ru_per_kb"]} RU per KB.

{ru_table}

## Intake (HTTP) instances

A {flex["instance_memory_mb"]} MB Flex Consumption instance has {cores:g} core. At
{assumed["target_cpu_utilisation"]:.0%} CPU and {measured["intake_cpu_ms_per_request"]} ms per request it serves
**{_n(per_instance)} requests/s**.

Per-instance concurrency (`httpPerInstanceConcurrency`) by Little's law: requests in flight = requests per
second × time per request = {_n(per_instance)} × ({measured["intake_cpu_ms_per_request"]} ms CPU + {io["central"]} ms
waiting for Cosmos DB and Service Bus) = **{concurrency["central"]}** (with {io["low"]}–{io["high"]} ms of waiting:
{concurrency["low"]}–{concurrency["high"]}). Higher queues requests behind a busy core; lower adds instances that idle.
The Bicep default is {defaults["httpPerInstanceConcurrency"]}, which {matches} the model.

{http_table}

The burst cannot be served within its second on one app ({flex["maximum_instances_per_app"]:,} instances at most);
at the sustained rate it drains in {_f(burst / sustained)} s, so it shows as latency and client retries
(a retried submission returns its first receipt). New HTTP instances are documented to arrive at most about
once a second, so set
`alwaysReadyHttpInstances` near the sustained need before the deadline, not at it.

## Workers (screening)

Each worker instance handles {calls} messages at once (`workerMaxConcurrentCalls`); a screening takes about
{_f(screening_cpu_ms, 2)} ms CPU + {assumed["screening_io_wait_ms"]["central"]} ms waiting, so one instance screens
≈ {_n(screening_per_instance)} responses/s and {_n(screening_instances)} instances would keep pace with the
sustained peak.
They cannot: every screening appends to the hearing's audit trail, whose partition key is `/hearingId`, so one
hearing's audit writes share one physical partition: {_n(partition_ru)} RU/s ÷ {_f(audit_ru)} RU
≈ **{_n(audit_partition_rate)} screenings/s**. With the default {defaults["workersMaximumInstanceCount"]} worker
instances
screening runs at ≈ {_n(screening_rate)}/s; the {_n(responses_in_window)} responses of a {minutes}-minute peak are
screened after ≈ {_f(drain_hours)} hours. Nothing is lost (the queue holds them), and notifications and journalising
keep their reserved instances (`reservedConsumerInstances`).

## Cosmos DB

{cosmos_table}

The responses container's hierarchical key (`/hearingId`, `/id`) spreads one hearing over all its physical
partitions, so intake has no hot partition; the default capacity mode is `{defaults["cosmosCapacityMode"]}`, which is
for test and quiet installations. For a deadline: autoscale with the maximum above (the container default limit is
{_n(cosmos["default_max_ru_per_second_per_container"])} RU/s; more by support request), raised days ahead, because
a maximum above what the existing partitions hold makes Cosmos DB split partitions first. Autoscale bills at least
{cosmos["autoscale_minimum_fraction"]:.0%} of the maximum every hour.

## Service Bus

{operations} operations per response at {_n(sustained)}/s = {_n(sustained * operations)} operations/s.

{bus_table}

## Where it breaks first

Responses per second each part carries, lowest first:

{breaking}

With the defaults, Service Bus Standard throttles first: the receipt is still given (the response is stored
before the message is sent, and a failed send is left to the sweep), but `rescreen_stalled_responses` announces
at most 500 responses per five-minute run, so a throttled backlog is screened slowly. Fully scaled, a single Premium
namespace is the intake limit, the audit partition the screening limit, and the regional Flex quota the HTTP limit.

## What to change, in order of effect

1. **No message per response.** Screening can read the responses container's change feed (in batches, with
   its own lease container) instead of one `responses-received` message each; that takes Service Bus off the
   hot path entirely and leaves it for hearing events and journalising.
2. **Spread the audit trail.** Give `audit` a hierarchical key (`/hearingId`, `/day` or a hash bucket of the
   target) so one hearing's entries spread over partitions and stay below {cosmos["gb_per_logical_partition"]} GB;
   or batch the "response received" entries (one entry per N responses).
3. **Keep the index small.** The excluded paths above save {_f(intake_all + screening_all - intake_ru - screening_ru)}
   RU per response against indexing everything; excluding everything except the paths the queries use
   (`/status`, `/published`, `/receivedAt`, `/updatedAt`, `/respondent/subject`) saves more.
4. **Provision ahead.** Premium Service Bus, Cosmos DB autoscale with a maximum sized from this page, a quota
   increase for Flex Consumption in the region, and `alwaysReadyHttpInstances` set the day before.
5. **A queue in front** of intake (for example a front door that holds requests for seconds) only helps the
   one-second burst; the sustained rate still needs the capacity above.

## How sure this is

These are planning figures, not measurements in Azure. The CPU figures come from the development machine
(the client, the host and Azurite share two cores, and the ratio varied {ratio_low}–{ratio_high}
across runs); a Flex instance's core may be faster or slower. The waiting times, the RU per indexed path, the
replace cost and the throughput of a messaging unit are assumptions with the ranges shown; the RU figures can
be off by a factor of two. Before a real deadline, measure in Azure: the `x-ms-request-charge` of a create and a
replace, Service Bus throughput per messaging unit, and requests per second per instance under
`bench/intake.py`-style load, and put the figures into `docs/capacity-inputs.json`.
"""


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
