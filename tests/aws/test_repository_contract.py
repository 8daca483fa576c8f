"""The InvoiceRepository contract on DynamoDB (moto over HTTP), with two month shards so that
every read merges partitions. What only DynamoDB has (queries only, pages, markers, shards):
test_dynamodb_repository.py.

The contract races six runs claiming the same reports. DynamoDB serialises the writes to an
item, so of concurrent conditional UpdateItems on one report one succeeds; moto's server does
not: it runs each request in its own thread without a lock, and two first claims of an address
both find no item and both succeed (seen about one run in three). So moto's DynamoDB writes are
made one at a time here (``serialised``, as in test_dynamo_inbox.py): the test then checks our
side of it (a conditional write per address, losers told apart), not the emulator."""

from __future__ import annotations

import pytest

from billify.adapters.aws.dynamodb import DynamoInvoiceRepository
from billify.ports import InvoiceRepository
from tests.aws.conftest import Stack
from tests.contracts.repository import RepositoryContract


class TestDynamoInvoiceRepository(RepositoryContract):
    @pytest.fixture
    def store(self, stack: Stack, serialised: None) -> InvoiceRepository:
        return DynamoInvoiceRepository(stack.table, month_shards=2)
