"""What the local fake platform servers share: a log of the calls a bot made, and waiting on it."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable


class CallRecorder:
    """Mixin for a fake server that appends to ``self.calls`` under ``self._cond``."""

    calls: list[Any]
    _cond: threading.Condition

    def of(self, method: str) -> list[Any]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not do what was expected in time")
                self._cond.wait(min(left, 0.2))
