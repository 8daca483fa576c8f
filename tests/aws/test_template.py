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
        "SendMonthlyReportFunction",
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
    consumed = set()
    for function in FUNCTIONS.values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
                queue, attribute = event["Properties"]["Queue"]["Fn::GetAtt"]
                assert attribute == "Arn"
                consumed.add(queue)
                timeout = function["Properties"]["Timeout"]
                visibility = cfn.resource(TEMPLATE, queue)["VisibilityTimeout"]
                assert visibility >= 6 * timeout, (queue, visibility, timeout)
    assert consumed == {"InvoiceQueue", "ReportQueue"}


def test_monthly_reports_fan_out_through_their_own_queue() -> None:
    resources = TEMPLATE["Resources"]
    # The report queue dead-letters to its own DLQ, watched by its own alarm.
    queue = cfn.resource(TEMPLATE, "ReportQueue")
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ReportDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "MaxReceiveCount"},
    }
    assert queue["SqsManagedSseEnabled"] is True
    dlq = cfn.resource(TEMPLATE, "ReportDeadLetterQueue")
    assert dlq["MessageRetentionPeriod"] == 1209600  # 14 days to look and redrive
    alarm = cfn.resource(TEMPLATE, "ReportDeadLetterAlarm")
    assert resources["ReportDeadLetterAlarm"]["Type"] == "AWS::CloudWatch::Alarm"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReportDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]

    # The report function consumes it, a few jobs per batch, at bounded concurrency.
    report = cfn.resource(TEMPLATE, "SendMonthlyReportFunction")
    assert report["Handler"] == "billify.entrypoints.lambda_handlers.send_monthly_report"
    (source,) = report["Events"].values()
    assert source["Type"] == "SQS"
    props = source["Properties"]
    assert props["Queue"] == {"Fn::GetAtt": ["ReportQueue", "Arn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= props["BatchSize"] <= 10
    assert props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "ReportConcurrency"}
    assert TEMPLATE["Parameters"]["ReportConcurrency"]["MinValue"] == 2  # Lambda's minimum
    # Its instances pace their SES sends; the rate is a parameter, read by the settings.
    rate = report["Environment"]["Variables"]["BILLIFY_SES_MAX_SEND_RATE"]
    assert rate == {"Ref": "ReportSendRate"}
    assert "ses_max_send_rate" in AwsSettings.model_fields

    # Every function that builds the app gets the report queue's URL.
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["BILLIFY_REPORT_QUEUE_URL"] == {"Ref": "ReportQueue"}
    assert {"ReportQueueUrl", "ReportDeadLetterQueueUrl"} <= set(TEMPLATE["Outputs"])


def test_report_permissions() -> None:
    def allowed(function: str) -> dict[str, set[str]]:
        grants: dict[str, set[str]] = {}
        for statement in statements(FUNCTIONS[function]):
            actions = statement["Action"]
            resources = statement["Resource"]
            for action in actions if isinstance(actions, list) else [actions]:
                for res in resources if isinstance(resources, list) else [resources]:
                    grants.setdefault(action, set()).add(json.dumps(res, sort_keys=True))
        return grants

    table = json.dumps({"Fn::GetAtt": ["InvoiceTable", "Arn"]})
    month_users = json.dumps({"Fn::Sub": "${InvoiceTable.Arn}/index/ByMonthUser"})
    by_email = json.dumps({"Fn::Sub": "${InvoiceTable.Arn}/index/ByEmail"})
    report_queue = json.dumps({"Fn::GetAtt": ["ReportQueue", "Arn"]})

    # The aggregator only reads the user-month index and queues jobs: no invoice, no mail.
    aggregator = allowed("MonthlyBillAggregatorFunction")
    assert aggregator == {"dynamodb:Query": {month_users}, "sqs:SendMessage": {report_queue}}
    # The report function reads and writes the table (claims, sent records), queries one
    # user's invoices, and mails from the sender's identity.
    report = allowed("SendMonthlyReportFunction")
    assert report["dynamodb:GetItem"] == report["dynamodb:UpdateItem"] == {table}
    assert report["dynamodb:DeleteItem"] == {table}
    assert report["dynamodb:Query"] == {by_email}
    assert len(report["ses:SendRawEmail"]) == 2  # the address and its domain
    assert set(report) == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "ses:SendRawEmail",
    }
    # Uploads write the user-month marker with PutItem, which they may already.
    assert table in allowed("UploadInvoiceFunction")["dynamodb:PutItem"]


def test_table_has_the_sparse_user_month_index() -> None:
    table = cfn.resource(TEMPLATE, "InvoiceTable")
    (index,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "ByMonthUser"]
    assert index["KeySchema"] == [
        {"AttributeName": "month_users_key", "KeyType": "HASH"},
        {"AttributeName": "email", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types["month_users_key"] == "S"


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
