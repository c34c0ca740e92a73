"""What the function app declares: one entry per function, with its trigger in plain terms."""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.functions.decorators.function_app import FunctionRegister


class TriggerKind(enum.StrEnum):
    HTTP = "HttpTrigger"
    TIMER = "TimerTrigger"
    QUEUE = "ServiceBusQueueTrigger"
    BLOB = "BlobTrigger"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: TriggerKind
    arg_name: str
    user_function: Callable[..., Any]
    route: str = ""
    methods: tuple[str, ...] = ()  # empty: every method
    schedule: str = ""
    run_on_startup: bool = False
    queue_name: str = ""
    blob_path: str = ""

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.user_function)

    def call(self, argument: object) -> Any:
        """Run the function with its trigger argument, from a worker thread."""
        result = self.user_function(**{self.arg_name: argument})
        if inspect.isawaitable(result):
            return asyncio.run(_awaited(result))
        return result

    def describe(self) -> dict[str, object]:
        entry: dict[str, object] = {"name": self.name, "trigger": self.kind.value}
        if self.kind is TriggerKind.HTTP:
            entry.update(route=self.route, methods=list(self.methods))
        elif self.kind is TriggerKind.TIMER:
            entry.update(schedule=self.schedule, run_on_startup=self.run_on_startup)
        elif self.kind is TriggerKind.QUEUE:
            entry.update(queue=self.queue_name)
        elif self.kind is TriggerKind.BLOB:
            entry.update(path=self.blob_path)
        return entry


class UnsupportedTrigger(Exception):
    pass


def catalog(app: FunctionRegister) -> tuple[list[FunctionSpec], list[str]]:
    """The functions the host can run, and a note for each one it cannot."""
    specs, skipped = [], []
    for function in app.get_functions():
        try:
            specs.append(_spec(function))
        except UnsupportedTrigger as error:
            skipped.append(str(error))
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"function names must be unique: {', '.join(duplicates)}")
    return specs, skipped


def _spec(function: Any) -> FunctionSpec:
    name = str(function.get_function_name())
    trigger = function.get_trigger()
    kind_name = type(trigger).__name__
    user_function = function.get_user_function()
    arg_name = str(trigger.name)
    if kind_name == TriggerKind.HTTP:
        methods = tuple(_method_name(method) for method in (getattr(trigger, "methods", None) or ()))
        return FunctionSpec(
            name, TriggerKind.HTTP, arg_name, user_function, route=trigger.route or name, methods=methods
        )
    if kind_name == TriggerKind.TIMER:
        return FunctionSpec(
            name,
            TriggerKind.TIMER,
            arg_name,
            user_function,
            schedule=str(trigger.schedule),
            run_on_startup=bool(getattr(trigger, "run_on_startup", False)),
        )
    if kind_name == TriggerKind.QUEUE:
        return FunctionSpec(name, TriggerKind.QUEUE, arg_name, user_function, queue_name=str(trigger.queue_name))
    if kind_name == TriggerKind.BLOB:
        return FunctionSpec(name, TriggerKind.BLOB, arg_name, user_function, blob_path=str(trigger.path))
    raise UnsupportedTrigger(f"function {name!r}: the local host does not run {kind_name}")


def _method_name(method: object) -> str:
    value = getattr(method, "value", method)
    return str(value).upper()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
