"""The InvoiceQueue contract on SQS (moto over HTTP): what arrived is received with boto3, as
Lambda's event source mapping does, and deleted."""

from __future__ import annotations

import json

import pytest

from billify.adapters.aws.sqs import SqsQueue
from billify.ports import InvoiceMessage, InvoiceQueue
from tests.aws.conftest import Stack
from tests.contracts.queue import Arrived, QueueContract


class TestSqsQueue(QueueContract):
    @pytest.fixture
    def queue(self, stack: Stack) -> InvoiceQueue:
        return SqsQueue(stack.queue_url)

    @pytest.fixture
    def arrived(self, stack: Stack) -> Arrived:
        sqs = stack.client("sqs")

        def take() -> list[InvoiceMessage]:
            messages: list[InvoiceMessage] = []
            while batch := sqs.receive_message(
                QueueUrl=stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
            ).get("Messages"):
                messages += [InvoiceMessage.from_json(json.loads(m["Body"])) for m in batch]
                sqs.delete_message_batch(
                    QueueUrl=stack.queue_url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                        for n, m in enumerate(batch)
                    ],
                )
            return messages

        return take
