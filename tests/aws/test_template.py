"""template.yaml: what the issue asks of it, checked on the template itself and, for the
schedule, by creating it in moto's EventBridge Scheduler from the template's properties."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pydantic
import pytest

from billify.config import AwsSettings
from billify.entrypoints import lambda_handlers
from tests.aws import template as cfn
from tests.aws.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load()
FUNCTIONS = {
    name: res
    for name, res in TEMPLATE["Resources"].items()
    if res["Type"] == "AWS::Serverless::Function"
}


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in function["Properties"]["Policies"] for s in policy["Statement"]]


def test_functions_handlers_and_runtime() -> None:
    assert {
        "UploadInvoiceFunction",
        "ExtractBillInfoFunction",
        "MonthlyBillAggregatorFunction",
    } <= set(FUNCTIONS)
    for name, function in FUNCTIONS.items():
        props = function["Properties"]
        if props.get("PackageType") == "Image":
            continue
        assert props["Runtime"] == "python3.12", name
        module, handler = props["Handler"].rsplit(".", 1)
        assert module == "billify.entrypoints.lambda_handlers"
        assert callable(getattr(lambda_handlers, handler)), name


def test_least_privilege() -> None:
    for name, function in FUNCTIONS.items():
        for statement in statements(function):
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            assert all("*" not in a for a in actions), (name, actions)
            if statement["Resource"] == "*":  # only where AWS has no resource-level permissions
                assert all(a.startswith("textract:") for a in actions), (name, actions)
    scans = [
        a
        for f in FUNCTIONS.values()
        for s in statements(f)
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        if a == "dynamodb:Scan"
    ]
    assert scans == []


def test_api_requires_keys_and_accepts_binary_uploads() -> None:
    api = cfn.resource(TEMPLATE, "Api")
    assert api["Auth"]["ApiKeyRequired"] is True
    assert api["Auth"]["UsagePlan"]["Throttle"]
    assert "multipart~1form-data" in api["BinaryMediaTypes"]
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"])
        for f in FUNCTIONS.values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "Api"
    }
    assert routes == {("POST", "/upload-invoice"), ("GET", "/invoices/{id}"), ("GET", "/confirm")}
    # Only the double opt-in link (opened from an email, its token is the secret) is keyless.
    keyless = {
        e["Properties"]["Path"]
        for f in FUNCTIONS.values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "Api" and e["Properties"].get("Auth", {}).get("ApiKeyRequired") is False
    }
    assert keyless == {"/confirm"}
    confirm = cfn.resource(TEMPLATE, "ConfirmRecipientFunction")
    assert confirm["Handler"].endswith(".confirm_recipient")
    parameters = TEMPLATE["Parameters"]
    assert parameters["ConfirmRecipients"]["Default"] == "true"  # on by default on AWS


def test_queue_event_sources_report_partial_failures() -> None:
    for function in FUNCTIONS.values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
                timeout = function["Properties"]["Timeout"]
                visibility = cfn.resource(TEMPLATE, "InvoiceQueue")["VisibilityTimeout"]
                assert visibility >= 6 * timeout


def test_layer_pins_agree_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = {
        re.split(r"[=<>\[]", dep)[0].lower(): dep
        for dep in project["project"]["dependencies"]
        + project["project"]["optional-dependencies"]["aws"]
    }
    layer = ROOT / "billify/adapters/aws/lambda/requirements.txt"
    for line in layer.read_text().splitlines():
        if line and not line.startswith("#"):
            assert pins.get(line.split("==")[0].lower()) == line, line


def test_schedule_is_created_from_the_template(stack: Stack) -> None:
    schedule = FUNCTIONS["MonthlyBillAggregatorFunction"]["Properties"]["Events"]["Monthly"]
    props = cfn.resolve(schedule["Properties"], {**stack.refs, "TimeZone": "Europe/Berlin"})
    scheduler = stack.client("scheduler")
    scheduler.create_schedule(
        Name=f"monthly-{stack.table}",
        ScheduleExpression=props["ScheduleExpression"],
        ScheduleExpressionTimezone=props["ScheduleExpressionTimezone"],
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": "arn:aws:lambda:eu-west-1:123456789012:function:aggregator",
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
            "Input": props["Input"],
            "RetryPolicy": props["RetryPolicy"],
        },
    )
    created = scheduler.get_schedule(Name=f"monthly-{stack.table}")
    assert created["ScheduleExpression"] == "cron(5 0 1 * ? *)"
    assert created["ScheduleExpressionTimezone"] == "Europe/Berlin"
    payload = json.loads(created["Target"]["Input"])
    assert payload == {"scheduled_time": "<aws.scheduler.scheduled-time>"}


def test_settings_are_validated_at_cold_start(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLIFY_EXTRACTOR", "tesseract")
    monkeypatch.delenv("BILLIFY_TABLE")
    lambda_handlers.runtime.cache_clear()
    with pytest.raises(pydantic.ValidationError) as error:
        lambda_handlers.runtime()
    assert {e["loc"][0] for e in error.value.errors()} == {"extractor", "table"}
    monkeypatch.setenv("BILLIFY_EXTRACTOR", "textract")
    monkeypatch.setenv("BILLIFY_TABLE", stack.table)
    assert isinstance(AwsSettings(), AwsSettings)


def test_every_makefile_built_function_has_a_build_rule() -> None:
    from pathlib import Path

    makefile = (Path(__file__).parents[2] / "billify/adapters/aws/lambda/Makefile").read_text()
    declared = makefile.split("FUNCTIONS :=", 1)[1].split("\n\n", 1)[0].replace("\\", " ").split()
    built = {
        name
        for name, function in FUNCTIONS.items()
        if function.get("Metadata", {}).get("BuildMethod") == "makefile"
    }
    assert built and built <= set(declared)
