"""Timer triggers on their NCRONTAB schedules, in real time (UTC, as in Azure without WEBSITE_TIME_ZONE)."""

from __future__ import annotations

import logging
import os
import re
import threading
from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from local_host.catalog import FunctionSpec
from local_host.invoker import Invoker

log = logging.getLogger("local_host.timers")

LONGEST_WAIT = 1.0  # seconds; bounds how late a stop is noticed
PAST_DUE_AFTER = timedelta(seconds=2)
_TIMESPAN = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})$")


class Schedule:
    """NCRONTAB with six fields (seconds first) or five; also the ``hh:mm:ss`` interval form."""

    def __init__(self, expression: str) -> None:
        self.expression = _resolve_setting(expression.strip())
        self._interval: timedelta | None = None
        interval = _TIMESPAN.match(self.expression)
        if interval:
            hours, minutes, seconds = (int(part) for part in interval.groups())
            self._interval = timedelta(hours=hours, minutes=minutes, seconds=seconds)
            if not self._interval:
                raise ValueError(f"timer interval must be positive: {expression!r}")
            return
        fields = self.expression.split()
        if len(fields) not in (5, 6):
            raise ValueError(f"NCRONTAB needs 5 or 6 fields: {expression!r}")
        self._six_fields = len(fields) == 6
        # Fails early on a bad expression rather than at the first tick.
        croniter(self.expression, datetime.now(UTC), second_at_beginning=self._six_fields)

    def next_after(self, instant: datetime) -> datetime:
        if self._interval is not None:
            return instant + self._interval
        iterator = croniter(self.expression, instant, second_at_beginning=self._six_fields)
        following: datetime = iterator.get_next(datetime)
        return following if following.tzinfo else following.replace(tzinfo=UTC)


class TimerScheduler:
    """One long-lived thread per timer function: it waits for the next occurrence, runs it, and waits again.

    A run that outlasts its interval makes the occurrences that fell during it be skipped, as the Functions
    host does, instead of starting overlapping runs.
    """

    def __init__(self, specs: list[FunctionSpec], invoker: Invoker, stop: threading.Event) -> None:
        self.specs = specs
        self.invoker = invoker
        self.stop = stop
        self.schedules = {spec.name: Schedule(spec.schedule) for spec in specs}
        self._locks = {spec.name: threading.Lock() for spec in specs}
        self.threads = [
            threading.Thread(target=self._run, args=(spec,), name=f"timer:{spec.name}", daemon=True) for spec in specs
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout)

    def run_now(self, spec: FunctionSpec) -> None:
        """Runs synchronously (for the admin endpoint), waiting for a scheduled run of it to finish first."""
        with self._locks[spec.name]:
            self.invoker.invoke(spec, TimerRequest(past_due=False), reason="Run by request")

    def _run(self, spec: FunctionSpec) -> None:
        schedule = self.schedules[spec.name]
        if spec.run_on_startup:
            self._invoke(spec, past_due=False, reason="Run on startup")
        due = schedule.next_after(datetime.now(UTC))
        while not self.stop.is_set():
            now = datetime.now(UTC)
            if due > now:
                self.stop.wait(min((due - now).total_seconds(), LONGEST_WAIT))
                continue
            self._invoke(spec, past_due=now - due > PAST_DUE_AFTER, reason="Timer fired")
            finished = datetime.now(UTC)
            following = schedule.next_after(due)
            if following <= finished:
                log.warning("timer %s: the run outlasted the next occurrence, which is skipped", spec.name)
            due = schedule.next_after(finished) if following <= finished else following

    def _invoke(self, spec: FunctionSpec, past_due: bool, reason: str) -> None:
        with self._locks[spec.name]:
            try:
                self.invoker.invoke(spec, TimerRequest(past_due=past_due), reason=reason)
            except Exception:  # noqa: S110 - logged by the invoker; the next occurrence runs as scheduled
                pass


def _resolve_setting(expression: str) -> str:
    # "%NAME%" reads the schedule from an app setting, as the Functions host allows.
    if len(expression) > 2 and expression.startswith("%") and expression.endswith("%"):
        name = expression[1:-1]
        value = os.environ.get(name)
        if not value:
            raise ValueError(f"timer schedule setting {name} is not set")
        return value.strip()
    return expression
