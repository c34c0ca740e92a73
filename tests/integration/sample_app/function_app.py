"""A tiny function app with one function of each trigger kind, for testing the local host."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

import azure.functions as func

from shared.bootstrap import dependencies
from shared.ports.messages import OutgoingMessage

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
bp = func.Blueprint()


def _out(*parts: str) -> Path:
    folder = Path(dependencies().settings.data_dir) / "out"
    path = folder.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@bp.route(route="health", methods=["GET"])
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', mimetype="application/json")


@bp.route(route="echo/{id}/{*rest}", methods=["GET", "POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    body = {
        "method": req.method,
        "route": dict(req.route_params),
        "query": dict(req.params),
        "header": req.headers.get("x-sample"),
        "body": req.get_body().decode(),
        "url": req.url,
    }
    return func.HttpResponse(json.dumps(body), status_code=201, mimetype="application/json", headers={"X-Echo": "1"})


@bp.route(route="segments/{first}/{*rest}", methods=["GET"])
def segments(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


@bp.route(route="echo/special", methods=["GET"])
def echo_special(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("special")


@bp.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("database password is hunter2")


@bp.route(route="enqueue/{queue}", methods=["POST"])
def enqueue(req: func.HttpRequest) -> func.HttpResponse:
    message = OutgoingMessage(message_id=uuid.uuid4().hex, body=req.get_json(), subject="sample")
    dependencies().bus.publish(req.route_params["queue"], message)
    return func.HttpResponse(status_code=202)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="notes", connection="ServiceBusConnection")
def write_note(msg: func.ServiceBusMessage) -> None:
    note = json.loads(msg.get_body())
    _out("notes", f"{note['id']}.json").write_text(json.dumps({"note": note, "delivery_count": msg.delivery_count}))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="doomed", connection="ServiceBusConnection")
def always_fails(msg: func.ServiceBusMessage) -> None:
    note = json.loads(msg.get_body())
    with _out("doomed", f"{note['id']}.log").open("a") as attempts:
        attempts.write(f"{msg.delivery_count}\n")
    if not _out("doomed", "healed").exists():
        raise ValueError("the sample always fails")


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="slow", connection="ServiceBusConnection")
def slow_note(msg: func.ServiceBusMessage) -> None:
    """Outlasts a short queue lock; one file per run, so a second delivery would show."""
    note = json.loads(msg.get_body())
    _out("slow", f"{note['id']}-{uuid.uuid4().hex}.json").write_text(json.dumps({"delivery_count": msg.delivery_count}))
    time.sleep(float(note.get("seconds", 2.5)))


@bp.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=False)
def yearly(timer: func.TimerRequest) -> None:
    _out("ticks", uuid.uuid4().hex).write_text(json.dumps({"past_due": timer.past_due}))


@bp.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
def at_startup(timer: func.TimerRequest) -> None:
    _out("startups", uuid.uuid4().hex).touch()


if os.environ.get("SAMPLE_EVERY_SECOND") == "true":

    @bp.timer_trigger(schedule="* * * * * *", arg_name="timer", run_on_startup=False)
    def every_second(timer: func.TimerRequest) -> None:
        _out("seconds", uuid.uuid4().hex).write_text(json.dumps({"thread": threading.get_native_id()}))


@bp.blob_trigger(
    arg_name="blob", path="uploads/sample/{name}", connection="AzureWebJobsStorage", source=func.BlobSource.EVENT_GRID
)
def on_upload(blob: func.InputStream) -> None:
    content = blob.read()
    if content.startswith(b"fail") and not _out("blobs-healed").exists():
        raise ValueError("this blob cannot be processed")
    with _out("blobs.log").open("a") as seen:
        seen.write(f"{blob.name} {len(content)}\n")


app.register_functions(bp)
