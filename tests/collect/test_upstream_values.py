"""Values an upstream chooses are stored whatever they are, on both stores.

A finish_reason longer than the store's column (32 characters) failed the INSERT on PostgreSQL,
so a complete reply was kept only as an `error` row.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.collect.test_nul import chat, service, stored
from tests.conftest import LiveService
from tests.support.loopback_upstream import ODD_FINISH_REASON, REPLY
from wildchat.collect.turns import FINISH_REASON_CHARS
from wildchat.records import TurnStatus

__all__ = ["service"]  # the fixture, shared with test_nul


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_a_long_finish_reason_keeps_the_turn_complete(service: LiveService, stream: bool) -> None:
    body: dict[str, Any] = {
        "model": "loopback-odd-end",
        "messages": [{"role": "user", "content": "Hello?"}],
        "stream": stream,
    }
    reply, _ = chat(service, body)
    assert reply == REPLY
    [turn], _ = stored(service)
    assert turn.status is TurnStatus.COMPLETE, turn.error
    assert turn.finish_reason == ODD_FINISH_REASON[:FINISH_REASON_CHARS]
