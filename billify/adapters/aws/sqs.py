"""The invoice queue on SQS. Redelivery and dead-lettering are the queue's (redrive policy)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from billify.adapters.aws.clients import client
from billify.ports import InvoiceMessage, ReportJob

SEND_BATCH = 10  # SendMessageBatch's limit


class SqsQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs or client("sqs")

    def enqueue(self, message: InvoiceMessage) -> None:
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message.to_json()))


class SqsReportQueue:
    """The monthly report jobs, one message per user, sent ten per request."""

    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs or client("sqs")

    def enqueue_reports(self, jobs: Iterable[ReportJob]) -> int:
        pending = iter(jobs)
        count = 0
        while batch := list(itertools.islice(pending, SEND_BATCH)):
            self._send(batch)
            count += len(batch)
        return count

    def _send(self, batch: list[ReportJob]) -> None:
        entries = [
            {"Id": str(n), "MessageBody": json.dumps(job.to_json())} for n, job in enumerate(batch)
        ]
        response = self._sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        failed = response.get("Failed") or []
        if failed:  # raise: the aggregator's retry queues the month again (jobs are idempotent)
            raise RuntimeError(f"{len(failed)} report job(s) not queued: {failed[0]}")
