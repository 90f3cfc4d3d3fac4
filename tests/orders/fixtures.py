"""Fixtures of orders shared by every test folder (tracking builds on orders)."""

import pytest

from orders.models import Tariff
from tests.orders.helpers import make_tariff


@pytest.fixture
def tariff(line) -> Tariff:
    return make_tariff(line)
