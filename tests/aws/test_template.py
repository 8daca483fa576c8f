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
        "ApiFunction",
        "UploadArrivedFunction",
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


def allowed(function: str) -> dict[str, set[str]]:
    """Action -> the resources (as JSON) a function's policies grant it on."""
    grants: dict[str, set[str]] = {}
    for statement in statements(FUNCTIONS[function]):
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in actions if isinstance(actions, list) else [actions]:
            for res in resources if isinstance(resources, list) else [resources]:
                grants.setdefault(action, set()).add(json.dumps(res, sort_keys=True))
    return grants


TABLE = json.dumps({"Fn::GetAtt": ["InvoiceTable", "Arn"]})
BY_EMAIL = json.dumps({"Fn::Sub": "${InvoiceTable.Arn}/index/ByEmail"})
INVOICE_QUEUE = json.dumps({"Fn::GetAtt": ["InvoiceQueue", "Arn"]})
INVOICE_FILES = json.dumps({"Fn::Sub": "${InvoiceBucket.Arn}/invoices/*"})
INCOMING_FILES = json.dumps({"Fn::Sub": "${InvoiceBucket.Arn}/incoming/*"})
PACK_FILES = json.dumps({"Fn::Sub": "${InvoiceBucket.Arn}/packs/*"})


def test_one_app_behind_the_api_which_checks_no_key() -> None:
    api = cfn.resource(TEMPLATE, "Api")
    # The app authenticates (session cookie, or x-api-key against BILLIFY_API_KEYS): no API
    # Gateway keys or usage plan; the stage is throttled as a whole.
    assert "Auth" not in api
    assert "ApiApiKey" not in json.dumps(TEMPLATE)
    (throttle,) = api["MethodSettings"]
    assert (throttle["ResourcePath"], throttle["HttpMethod"]) == ("/*", "*")
    assert throttle["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
    assert throttle["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurstLimit"}
    # Bodies and answers pass as bytes (Mangum decodes and encodes base64).
    assert {"multipart~1form-data", "image~1*", "*~1*"} <= set(api["BinaryMediaTypes"])
    routes = {
        (name, e["Properties"]["Method"], e["Properties"]["Path"])
        for name, f in FUNCTIONS.items()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "Api"
    }
    assert routes == {
        ("UploadInvoiceFunction", "POST", "/upload-invoice"),
        ("ApiFunction", "ANY", "/"),
        ("ApiFunction", "ANY", "/{proxy+}"),
    }
    assert all(
        "Auth" not in e["Properties"]
        for f in FUNCTIONS.values()
        for e in f["Properties"].get("Events", {}).values()
    )
    assert FUNCTIONS["ApiFunction"]["Properties"]["Handler"].endswith(".api")
    assert FUNCTIONS["UploadInvoiceFunction"]["Properties"]["Handler"].endswith(".upload_invoice")
    for name in ("ApiFunction", "UploadInvoiceFunction"):
        variables = FUNCTIONS[name]["Properties"]["Environment"]["Variables"]
        assert variables["BILLIFY_API_KEYS"] == {"Ref": "ApiKeys"}
        # Not BILLIFY_PUBLIC_URL: naming the API here is a circular reference (the handler
        # takes the address from the event: test_public_url_comes_from_api_gateway).
        assert "BILLIFY_PUBLIC_URL" not in variables
    for name in (
        "ExtractBillInfoFunction",
        "ExtractBillInfoBundledFunction",
        "SendMonthlyReportFunction",
    ):  # their emails carry links
        variables = FUNCTIONS[name]["Properties"]["Environment"]["Variables"]
        assert "${Api}" in variables["BILLIFY_PUBLIC_URL"]["Fn::Sub"], name
    assert TEMPLATE["Parameters"]["ConfirmRecipients"]["Default"] == "true"  # on by default
    assert "ApiKeyId" not in TEMPLATE["Outputs"]


def test_public_url_comes_from_api_gateway() -> None:
    from tests.aws.conftest import API_URL, api_event

    assert lambda_handlers.public_url_of(api_event("GET", "/me")) == API_URL
    assert lambda_handlers.public_url_of(api_event("GET", "/")) == API_URL
    custom = api_event("GET", "/me")
    custom["requestContext"].update(domainName="bills.example.org", path="/me")
    assert lambda_handlers.public_url_of(custom) == "https://bills.example.org"
    custom["headers"]["Host"] = "evil.example.com"  # the client's Host header is not used
    assert lambda_handlers.public_url_of(custom) == "https://bills.example.org"
    assert lambda_handlers.public_url_of({"path": "/me"}) is None


def test_the_secret_is_generated_and_given_to_every_function() -> None:
    secret = TEMPLATE["Resources"]["AppSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generate = secret["Properties"]["GenerateSecretString"]
    minimum = AwsSettings.model_fields["secret_key"].metadata[0].min_length
    assert generate["PasswordLength"] >= max(minimum, 32)
    assert generate["ExcludePunctuation"] is True  # no quoting surprises in the environment
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["BILLIFY_SECRET_KEY"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${AppSecret}:SecretString}}"
    }
    # Resolved by CloudFormation at deploy time: no function reads Secrets Manager.
    assert not any(a.startswith("secretsmanager:") for f in FUNCTIONS for a in allowed(f))


def test_api_function_permissions() -> None:
    api = allowed("ApiFunction")
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"):
        assert api[f"dynamodb:{action}"] == {TABLE}, action  # invoices and sign-in items
    assert api["dynamodb:Query"] == {BY_EMAIL}
    assert api["s3:DeleteObject"] == {INVOICE_FILES}
    assert api["s3:GetObject"] == {INVOICE_FILES, PACK_FILES}  # a month's ZIP by its link
    assert api["s3:PutObject"] == {INVOICE_FILES, INCOMING_FILES, PACK_FILES}  # presigned too
    assert api["sqs:SendMessage"] == {INVOICE_QUEUE}
    assert len(api["ses:SendRawEmail"]) == 2  # sign-in emails: the address and its domain
    assert "dynamodb:Scan" not in api


def test_direct_uploads_arrive_through_eventbridge() -> None:
    bucket = cfn.resource(TEMPLATE, "InvoiceBucket")
    assert bucket["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireAbandonedDirectUploads"]["Prefix"] == "incoming/"
    assert rules["ExpireAbandonedDirectUploads"]["ExpirationInDays"] == 1
    (cors,) = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["POST", "GET"]  # direct uploads; the page fetching a ZIP
    assert rules["ExpireAccountantPacks"]["Prefix"] == "packs/"
    assert rules["ExpireAccountantPacks"]["ExpirationInDays"] == 1

    function = FUNCTIONS["UploadArrivedFunction"]["Properties"]
    assert function["Handler"] == "billify.entrypoints.lambda_handlers.upload_arrived"
    (event,) = function["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"] == {
        "bucket": {"name": [{"Ref": "InvoiceBucket"}]},
        "object": {"key": [{"prefix": "incoming/"}]},
    }
    grants = allowed("UploadArrivedFunction")
    assert grants["s3:GetObject"] == {INCOMING_FILES}
    assert grants["s3:DeleteObject"] == {INCOMING_FILES, INVOICE_FILES}
    assert grants["s3:PutObject"] == {INVOICE_FILES}
    assert grants["sqs:SendMessage"] == {INVOICE_QUEUE}
    assert "dynamodb:Query" not in grants


def _references(value: Any) -> set[str]:
    """The resources a piece of the template names (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0])
            elif key == "Fn::Sub":
                text, names = (item, {}) if isinstance(item, str) else item
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found -= set(names)
                found |= _references(names)
            else:
                found |= _references(item)
    return found


def test_no_circular_dependency() -> None:
    """CloudFormation refuses a template whose resources depend on each other in a circle
    (cfn-lint and sam validate do not see the ones SAM's events create). The edges: what each
    resource names (functions also what Globals give them), plus those SAM adds: a bucket
    notifying a function (S3 events) depends on it, and an API on the functions it invokes."""
    resources = TEMPLATE["Resources"]
    globals_ = TEMPLATE["Globals"]["Function"]
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        # A function's events become resources of their own (rules, permissions, the API's
        # methods) that depend on the function, not the other way round.
        properties = {k: v for k, v in resource.get("Properties", {}).items() if k != "Events"}
        graph[name] = _references(properties) & set(resources)
        depends = resource.get("DependsOn", [])
        graph[name] |= {depends} if isinstance(depends, str) else set(depends)
        if resource["Type"] == "AWS::Serverless::Function":
            graph[name] |= _references(globals_) & set(resources)
    for name, function in FUNCTIONS.items():
        for event in function["Properties"].get("Events", {}).values():
            source = event["Properties"]
            if event["Type"] == "S3":
                graph[source["Bucket"]["Ref"]].add(name)
            if event["Type"] == "Api":
                graph[source["RestApiId"]["Ref"]].add(name)

    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        assert node not in visiting, " -> ".join([*visiting, node])
        if node in done:
            return
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


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
    table, by_email = TABLE, BY_EMAIL
    month_users = json.dumps({"Fn::Sub": "${InvoiceTable.Arn}/index/ByMonthUser"})
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
    assert built == set(declared)  # and no rule left for a function that is gone


INBOUND_MAIL = json.dumps({"Fn::Sub": "${InvoiceBucket.Arn}/inbound/*"})


def test_ses_receiving_stores_then_invokes_and_exists_only_with_a_domain() -> None:
    from billify.entrypoints.lambda_handlers import INBOUND_PREFIX

    resources = TEMPLATE["Resources"]
    parameter = TEMPLATE["Parameters"]["InboundDomain"]
    assert parameter["Default"] == ""
    assert TEMPLATE["Conditions"]["HasInboundDomain"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "InboundDomain"}, ""]}]
    }
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("") and pattern.match("in.billify.example")
    assert not pattern.match("billify@example.com")
    inbound = ("InboundRuleSet", "InboundMailRule", "ReceiveMailPermission", "ReceiveMailFunction")
    for name in inbound:
        assert resources[name]["Condition"] == "HasInboundDomain", name
    assert TEMPLATE["Outputs"]["InboundRuleSetName"]["Condition"] == "HasInboundDomain"

    # The rule: every address of the domain, scanned, stored under inbound/, then the function
    # invoked asynchronously (after the S3 action, so the message is there to read).
    rule = cfn.resource(TEMPLATE, "InboundMailRule")
    assert rule["RuleSetName"] == {"Ref": "InboundRuleSet"}
    assert rule["Rule"]["Recipients"] == [{"Ref": "InboundDomain"}]
    assert rule["Rule"]["ScanEnabled"] is True and rule["Rule"]["Enabled"] is True
    s3, invoke = rule["Rule"]["Actions"]
    assert s3 == {
        "S3Action": {"BucketName": {"Ref": "InvoiceBucket"}, "ObjectKeyPrefix": INBOUND_PREFIX}
    }
    assert invoke == {
        "LambdaAction": {
            "FunctionArn": {"Fn::GetAtt": ["ReceiveMailFunction", "Arn"]},
            "InvocationType": "Event",
        }
    }
    # SES checks at creation that it may write and invoke: the grants exist first.
    assert set(resources["InboundMailRule"]["DependsOn"]) == {
        "InvoiceBucketPolicy",
        "ReceiveMailPermission",
    }

    # Both grants are SES's of this account and of this very rule.
    rule_arn = (
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/"
        "${AWS::StackName}-inbound:receipt-rule/${AWS::StackName}-inbound-mail"
    )
    assert cfn.resource(TEMPLATE, "InboundRuleSet")["RuleSetName"] == {
        "Fn::Sub": "${AWS::StackName}-inbound"
    }
    assert rule["Rule"]["Name"] == {"Fn::Sub": "${AWS::StackName}-inbound-mail"}
    permission = cfn.resource(TEMPLATE, "ReceiveMailPermission")
    assert permission == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "ReceiveMailFunction"},
        "Principal": "ses.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {"Fn::Sub": rule_arn},
    }
    statements = cfn.resource(TEMPLATE, "InvoiceBucketPolicy")["PolicyDocument"]["Statement"]
    ((condition, ses_statement, otherwise),) = [
        s["Fn::If"] for s in statements if isinstance(s, dict) and "Fn::If" in s
    ]
    assert condition == "HasInboundDomain" and otherwise == {"Ref": "AWS::NoValue"}
    assert ses_statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert (ses_statement["Effect"], ses_statement["Action"]) == ("Allow", "s3:PutObject")
    assert json.dumps(ses_statement["Resource"]) == INBOUND_MAIL
    assert ses_statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"},
        "aws:SourceArn": {"Fn::Sub": rule_arn},
    }

    # What SES stored is deleted by the function; leftovers expire.
    bucket = cfn.resource(TEMPLATE, "InvoiceBucket")
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireInboundMail"]["Prefix"] == INBOUND_PREFIX
    assert 1 <= rules["ExpireInboundMail"]["ExpirationInDays"] <= 7

    # The domain reaches every function (the page shows the address), only when set.
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["BILLIFY_INBOUND_DOMAIN"] == {
        "Fn::If": ["HasInboundDomain", {"Ref": "InboundDomain"}, {"Ref": "AWS::NoValue"}]
    }


def test_receive_mail_function_permissions() -> None:
    function = FUNCTIONS["ReceiveMailFunction"]["Properties"]
    assert function["Handler"] == "billify.entrypoints.lambda_handlers.receive_mail"
    assert "Events" not in function  # invoked by the receipt rule, under its permission
    assert function["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert "${Api}" in function["Environment"]["Variables"]["BILLIFY_PUBLIC_URL"]["Fn::Sub"]
    grants = allowed("ReceiveMailFunction")
    assert grants["s3:GetObject"] == {INBOUND_MAIL}
    assert grants["s3:DeleteObject"] == {INBOUND_MAIL, INVOICE_FILES}
    assert grants["s3:PutObject"] == {INVOICE_FILES}
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"):
        assert grants[f"dynamodb:{action}"] == {TABLE}, action
    assert grants["sqs:SendMessage"] == {INVOICE_QUEUE}
    assert len(grants["ses:SendRawEmail"]) == 2  # the sender address and its domain
    assert "dynamodb:Query" not in grants
