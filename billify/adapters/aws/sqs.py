"""The invoice queue on SQS. Redelivery and dead-lettering are the queue's (redrive policy)."""

from __future__ import annotations

import json
from typing import Any

from billify.adapters.aws.clients import client
from billify.ports import InvoiceMessage


class SqsQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs or client("sqs")

    def enqueue(self, message: InvoiceMessage) -> None:
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message.to_json()))
