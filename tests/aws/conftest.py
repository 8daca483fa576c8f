"""AWS tests run against emulators over real HTTP on loopback: moto in server mode (S3, SQS,
DynamoDB, SES, Secrets Manager, EventBridge Scheduler) and a small Textract stub answering
recorded DetectDocumentText JSON (moto does not implement Textract's text detection). One moto
server per session; each test gets its own bucket, queues (invoices, monthly reports, and their
dead-letter queues), table, secret and sender, built from template.yaml. HTTP requests reach
the app as API Gateway REST proxy events through the Lambda handlers (Mangum)."""

from __future__ import annotations

import base64
import datetime as dt
import email
import inspect
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from billify.adapters.aws import clients
from billify.domain.access import hash_key
from billify.entrypoints import lambda_handlers
from tests.aws import template as cfn

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "eu-west-1"
# Scripts' API keys (BILLIFY_API_KEYS holds their hashes only, as deployed).
API_KEYS = {"ana": "bk_ana-test-key-0123456789abcdefghijklmnop", "bob": "bk_bob-test-key-0123"}
API_KEYS_SETTING = ",".join(f"{label}:{hash_key(key)}" for label, key in API_KEYS.items())
# Where the recorded API Gateway events say they were called (requestContext).
API_URL = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/v1"


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


# -- Textract stub ------------------------------------------------------------------------------


class TextractStub:
    """Answers Textract's JSON protocol (``X-Amz-Target: Textract.<Operation>``) from queued
    responses per operation; the last one repeats. Records every request."""

    def __init__(self) -> None:
        self.responses: dict[str, list[tuple[int, Any]]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                operation = str(self.headers.get("X-Amz-Target", "")).split(".")[-1]
                stub.requests.append((operation, body))
                queued = stub.responses.get(operation) or [
                    (400, {"__type": "InvalidParameterException", "message": "not recorded"})
                ]
                status, answer = queued.pop(0) if len(queued) > 1 else queued[0]
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, operation: str, *responses: Any, status: int = 200) -> None:
        self.responses[operation] = [(status, r) for r in responses]

    def reset(self) -> None:
        self.responses.clear()
        self.requests.clear()

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]


_index_query = threading.local()


def _speed_up_moto(patch: pytest.MonkeyPatch) -> None:
    """Costs of moto's that grow with the data, replaced by code giving the same answers
    faster, so that thousands of users' reports run in seconds (test_report_fanout.py):

    - DynamoDB: a Query on an index visits every item of the table, then sorts the whole table
      with ``DynamoType.__lt__`` (which casts both values at each comparison). Here it is given
      only the items whose index hash key matches (moto drops the others itself right after),
      sorted on values cast once per item (the same order: a key has one type per table).
    - SQS: every message sent, and every message a receive returns (its retention check),
      computes all the queue's attributes, three of which count the whole queue asking each
      message's visibility, each time through ``utcnow()`` datetime arithmetic. The retention
      period is read directly, and SQS's clock is ``time.time()`` (the same seconds since the
      epoch), which makes those counts cheap.
    - The server: routing a request lists and stats moto's ~200 package directories
      (``list_of_moto_modules``, a fixed list: listed once here), and werkzeug writes an
      access log line per request (dropped; errors are still logged).
    """
    from moto import backends
    from moto.core.utils import unix_time
    from moto.dynamodb.models.table import Table
    from moto.sqs import models as sqs_models
    from moto.sqs.models import Message as SqsMessage
    from moto.sqs.models import SQSBackend
    from werkzeug.serving import WSGIRequestHandler

    def unix_time_millis(moment: dt.datetime | None = None) -> float:
        return time.time() * 1000.0 if moment is None else unix_time(moment) * 1000.0

    original_query = Table.query
    signature = inspect.signature(original_query)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(self, *args, **kwargs).arguments
        conditions = call.get("hash_key_conditions") if call.get("index_name") else None
        _index_query.conditions = list(conditions or [])
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _index_query.conditions = []

    def matches(item: Any, conditions: list[tuple[str, Any]]) -> bool:
        for name, expected in conditions:
            value = item.attrs.get(name)
            if value is None or value.type != expected.type:
                return False
            if value.type == "S" and expected.type == "S":  # cast_value of a string is itself
                if value.value != expected.value:
                    return False
            elif value != expected:
                return False
        return True

    def all_items(self: Table) -> list[Any]:
        items: list[Any] = []
        for hash_set in self.items.values():
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        conditions = getattr(_index_query, "conditions", None)
        if conditions:
            items = [item for item in items if matches(item, conditions)]
        return sorted(
            items,
            key=lambda x: (
                (x.hash_key.cast_value, x.range_key.cast_value)
                if x.range_key
                else x.hash_key.cast_value
            ),
        )

    def is_message_valid_based_on_retention_period(
        self: SQSBackend, queue_name: str, message: SqsMessage
    ) -> bool:
        retention = float(self.get_queue(queue_name).message_retention_period)
        return retention + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]

    modules = tuple(backends.list_of_moto_modules())
    patch.setattr(backends, "list_of_moto_modules", lambda: modules)
    patch.setattr(WSGIRequestHandler, "log_request", lambda *args, **kwargs: None)
    patch.setattr(sqs_models, "unix_time_millis", unix_time_millis)
    patch.setattr(Table, "query", query)
    patch.setattr(Table, "all_items", all_items)
    patch.setattr(
        SQSBackend,
        "is_message_valid_based_on_retention_period",
        is_message_valid_based_on_retention_period,
    )


@pytest.fixture(scope="session")
def emulators() -> Iterator[tuple[str, TextractStub]]:
    patch = pytest.MonkeyPatch()
    _speed_up_moto(patch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    textract = TextractStub()
    textract.thread.start()
    environment = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ENDPOINT_URL_TEXTRACT": textract.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("BILLIFY_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        clients.client.cache_clear()
        yield environment["AWS_ENDPOINT_URL"], textract
        clients.client.cache_clear()
    textract.server.shutdown()
    server.stop()
    patch.undo()


# -- one stack per test -------------------------------------------------------------------------


@dataclass
class Stack:
    endpoint: str
    textract: TextractStub
    bucket: str
    queue_url: str
    dlq_url: str
    table: str
    sender: str
    template: dict[str, Any]
    report_queue_url: str = ""
    report_dlq_url: str = ""
    refs: dict[str, Any] = field(default_factory=dict)
    secret: str = ""

    def client(self, service: str) -> Any:
        return clients.client(service)

    def sent_emails(self) -> list[Message]:
        """Messages moto's SES accepted from this stack's sender, oldest first: read from its
        backend (the server runs in this process), as moto documents; ``/moto-api/data.json``
        serialises every service's state and timed out under load once a session's tables
        held thousands of items."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses import ses_backends

        sent = list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
        return [
            email.message_from_string(m.raw_data)
            for m in sent
            if getattr(m, "raw_data", None) is not None
            and getattr(m, "source", None) == self.sender
        ]

    def emails_to(self, address: str, kind: str) -> list[Message]:
        return [
            m
            for m in self.sent_emails()
            if address in str(m["To"]) and str(m["X-Billify-Key"]).startswith(kind)
        ]

    def poll_queue(self, context: Any, wait: bool = False) -> dict[str, Any] | None:
        """What Lambda's SQS event source mapping does: receive a batch, invoke
        ``extract_bill_info``, delete the records it did not report as failed."""
        return self._poll(
            self.queue_url,
            self.refs["InvoiceQueue.Arn"],
            lambda_handlers.extract_bill_info,
            context,
            wait=wait,
        )

    def drain(self, context: Any, rounds: int = 10) -> None:
        for _ in range(rounds):
            if self.poll_queue(context) is None:
                return

    def poll_reports(
        self, context: Any, batch_size: int = 10, wait: bool = False
    ) -> dict[str, Any] | None:
        """The report queue's event source mapping: a batch to ``send_monthly_report``."""
        return self._poll(
            self.report_queue_url,
            self.refs["ReportQueue.Arn"],
            lambda_handlers.send_monthly_report,
            context,
            batch_size=batch_size,
            wait=wait,
        )

    def drain_reports(self, context: Any, rounds: int = 10) -> list[dict[str, Any]]:
        """Poll the report queue until it is empty (or ``rounds`` polls); their results."""
        results = []
        for _ in range(rounds):
            result = self.poll_reports(context)
            if result is None:
                break
            results.append(result)
        return results

    def _poll(
        self,
        queue_url: str,
        queue_arn: str,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        context: Any,
        batch_size: int = 10,
        wait: bool = False,
    ) -> dict[str, Any] | None:
        sqs = self.client("sqs")
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=1 if wait else 0,
        )
        messages = response.get("Messages", [])
        if not messages:
            return None
        event = {"Records": [sqs_record(m, queue_arn) for m in messages]}
        try:
            result = handler(event, context)
        except Exception as error:  # the invocation failed: every message comes back
            return {
                "batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages],
                "error": repr(error),
            }
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            deleted = sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)
                ],
            )
            assert not deleted.get("Failed"), deleted["Failed"]
        return result

    def raw_item(self, item_id: str) -> dict[str, Any]:
        from boto3.dynamodb.types import TypeDeserializer

        item = self.client("dynamodb").get_item(
            TableName=self.table, Key={"id": {"S": item_id}}, ConsistentRead=True
        )["Item"]
        return {k: TypeDeserializer().deserialize(v) for k, v in item.items()}


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the SQS event Lambda sends (see tests/events/sqs_event.json)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


@pytest.fixture
def stack(
    emulators: tuple[str, TextractStub], monkeypatch: pytest.MonkeyPatch, request: Any
) -> Iterator[Stack]:
    endpoint, textract = emulators
    textract.reset()
    template = cfn.load()
    suffix = uuid.uuid4().hex[:10]
    marker = request.node.get_closest_marker("max_receive_count")
    max_receive = marker.args[0] if marker else 2
    refs: dict[str, Any] = {**cfn.parameter_defaults(template), "MaxReceiveCount": max_receive}
    refs.update({"SenderAddress": f"billify-{suffix}@example.com"})

    s3 = clients.client("s3")
    bucket = f"billify-{suffix}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    props = cfn.resolve(cfn.resource(template, "InvoiceBucket"), refs)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration=cfn.s3_encryption(props["BucketEncryption"]),
    )
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration=_lifecycle(props["LifecycleConfiguration"])
    )

    sqs = clients.client("sqs")
    dlq_props = cfn.resolve(cfn.resource(template, "InvoiceDeadLetterQueue"), refs)
    dlq_url = sqs.create_queue(
        QueueName=f"billify-dlq-{suffix}", Attributes=cfn.sqs_attributes(dlq_props)
    )["QueueUrl"]
    refs["InvoiceDeadLetterQueue.Arn"] = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    queue_props = cfn.resolve(cfn.resource(template, "InvoiceQueue"), refs)
    # The template's visibility timeout (30 min) would hide a failed message for the rest of
    # the test: Lambda's retry after it is what we emulate by polling again at once.
    queue_props["VisibilityTimeout"] = 0
    queue_url = sqs.create_queue(
        QueueName=f"billify-{suffix}", Attributes=cfn.sqs_attributes(queue_props)
    )["QueueUrl"]
    refs["InvoiceQueue.Arn"] = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]

    report_dlq_props = cfn.resolve(cfn.resource(template, "ReportDeadLetterQueue"), refs)
    report_dlq_url = sqs.create_queue(
        QueueName=f"billify-report-dlq-{suffix}", Attributes=cfn.sqs_attributes(report_dlq_props)
    )["QueueUrl"]
    refs["ReportDeadLetterQueue.Arn"] = sqs.get_queue_attributes(
        QueueUrl=report_dlq_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    report_props = cfn.resolve(cfn.resource(template, "ReportQueue"), refs)
    report_props["VisibilityTimeout"] = 0  # as for the invoice queue: a retry polls at once
    report_queue_url = sqs.create_queue(
        QueueName=f"billify-report-{suffix}", Attributes=cfn.sqs_attributes(report_props)
    )["QueueUrl"]
    refs["ReportQueue.Arn"] = sqs.get_queue_attributes(
        QueueUrl=report_queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]

    ddb = clients.client("dynamodb")
    table = f"billify-{suffix}"
    table_props = cfn.resource(template, "InvoiceTable")
    ddb.create_table(**cfn.dynamodb_create_table(table_props, table))
    ddb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification=table_props["PointInTimeRecoverySpecification"],
    )
    ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification=table_props["TimeToLiveSpecification"]
    )

    sender = refs["SenderAddress"]
    clients.client("ses").verify_email_identity(EmailAddress=sender)

    # The generated secret, and what the functions' dynamic reference resolves it to.
    secrets = clients.client("secretsmanager")
    generate = cfn.resource(template, "AppSecret")["GenerateSecretString"]
    password = secrets.get_random_password(
        PasswordLength=generate["PasswordLength"],
        ExcludePunctuation=generate["ExcludePunctuation"],
    )["RandomPassword"]
    refs["AppSecret"] = secrets.create_secret(Name=f"billify-{suffix}", SecretString=password)[
        "ARN"
    ]
    reference = cfn.resolve(
        template["Globals"]["Function"]["Environment"]["Variables"]["BILLIFY_SECRET_KEY"], refs
    )
    secret_id = reference.removeprefix("{{resolve:secretsmanager:").removesuffix(":SecretString}}")
    secret = secrets.get_secret_value(SecretId=secret_id)["SecretString"]

    environment = {
        "BILLIFY_BUCKET": bucket,
        "BILLIFY_QUEUE_URL": queue_url,
        "BILLIFY_REPORT_QUEUE_URL": report_queue_url,
        "BILLIFY_TABLE": table,
        "BILLIFY_MAIL_FROM": sender,
        "BILLIFY_EXTRACTOR": "textract",
        "BILLIFY_TIMEZONE": "Europe/Berlin",
        "BILLIFY_MAX_RECEIVE_COUNT": str(max_receive),
        "BILLIFY_SECRET_KEY": secret,
    }
    # The variables the template gives every function must be the ones the settings read.
    assert set(environment) <= set(template["Globals"]["Function"]["Environment"]["Variables"])
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    lambda_handlers.runtime.cache_clear()
    yield Stack(
        endpoint,
        textract,
        bucket,
        queue_url,
        dlq_url,
        table,
        sender,
        template,
        report_queue_url=report_queue_url,
        report_dlq_url=report_dlq_url,
        refs=refs,
        secret=secret,
    )
    lambda_handlers.runtime.cache_clear()


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape -> the S3 API's."""
    rules = []
    for rule in config["Rules"]:
        api: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
        api["Filter"] = {"Prefix": rule.get("Prefix", "")}
        if "ExpirationInDays" in rule:
            api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            api["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
        rules.append(api)
    return {"Rules": rules}


# -- Lambda inputs ------------------------------------------------------------------------------


class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name = "billify-test"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:billify-test"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/billify-test"
    log_stream_name = "test"

    def __init__(self) -> None:
        self.aws_request_id = uuid.uuid4().hex
        self._deadline = time.monotonic() + 300

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


def multipart(fields: dict[str, str], file: tuple[str, bytes, str] | None) -> tuple[bytes, str]:
    boundary = "----billify" + uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    if file is not None:
        filename, content, media_type = file
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def upload_event(
    fields: dict[str, str],
    file: tuple[str, bytes, str] | None,
    api_key: str | None = None,
    cookie: str | None = None,
) -> dict[str, Any]:
    """API Gateway's REST proxy event for a multipart upload (binary media type: base64),
    with the script's ``x-api-key`` or the browser's session cookie if given."""
    event: dict[str, Any] = load_event("apigw_upload_invoice.json")
    body, content_type = multipart(fields, file)
    _set_header(event, "Content-Type", content_type)
    _set_header(event, "x-api-key", api_key)
    _set_header(event, "Cookie", f"billify_session={cookie}" if cookie else None)
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return event


def api_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    api_key: str | None = None,
    cookie: str | None = None,
) -> dict[str, Any]:
    """API Gateway's REST proxy event for ``/{proxy+}`` (or ``/``): what ``api`` receives."""
    event: dict[str, Any] = load_event("apigw_get_invoice.json")
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = path
    event["requestContext"]["path"] = f"/v1{path}"
    if path == "/":
        event["resource"] = event["requestContext"]["resourcePath"] = "/"
        event["pathParameters"] = None
    else:
        event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    for name, value in (headers or {}).items():
        _set_header(event, name, value)
    _set_header(event, "x-api-key", api_key)
    _set_header(event, "Cookie", f"billify_session={cookie}" if cookie else None)
    if json_body is not None:
        _set_header(event, "Content-Type", "application/json")
        # Every body is binary for this API (BinaryMediaTypes */*): base64.
        event["body"] = base64.b64encode(json.dumps(json_body).encode()).decode()
        event["isBase64Encoded"] = True
    return event


def get_event(invoice_id: str, api_key: str | None = None, cookie: str | None = None) -> Any:
    return api_event("GET", f"/invoices/{invoice_id}", api_key=api_key, cookie=cookie)


def _set_header(event: dict[str, Any], name: str, value: str | None) -> None:
    for headers in (event["headers"], event["multiValueHeaders"]):
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
    if value is not None:
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]


@dataclass
class Answer:
    """What a handler returned to API Gateway, decoded as API Gateway would."""

    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str]

    def json(self) -> Any:
        return json.loads(self.body)


def invoke(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any], context: Any
) -> Answer:
    response = handler(event, context)
    headers = {k.lower(): str(v) for k, v in (response.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}
    raw = response.get("body") or ""
    body = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    cookies = multi.get("set-cookie") or (
        [headers["set-cookie"]] if "set-cookie" in headers else []
    )
    for name, values in multi.items():
        headers.setdefault(name, ", ".join(values))
    return Answer(int(response["statusCode"]), headers, body, list(cookies))


def cookie_value(answer: Answer, name: str = "billify_session") -> str | None:
    for header in answer.cookies:
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "max_receive_count(n): the queue's redrive maxReceiveCount in this test"
    )


@pytest.fixture
def requests() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The DynamoDB requests made during the test (operation, parameters), as sent by the
    real client to moto (observed, not mocked)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, dict(params)))

    events = clients.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb.*", record)
    yield seen
    events.unregister("before-parameter-build.dynamodb.*", record)


@pytest.fixture
def serialised(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's DynamoDB writes one at a time (the server is in this process): DynamoDB
    serialises conditional writes per item, moto does not."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)
