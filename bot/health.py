"""Which long-running loops of this process are alive, for `/healthz`."""

from __future__ import annotations

import asyncio


class Health:
    """Loops (long polling, say) report here; one that ended while watched is a stopped loop."""

    def __init__(self) -> None:
        self._loops: dict[str, asyncio.Task[None]] = {}

    def watch(self, name: str, task: asyncio.Task[None]) -> None:
        """From now on, `task` ending (by a crash or otherwise) makes `name` a stopped loop."""
        self._loops[name] = task

    def forget(self, name: str) -> None:
        """`name` stops on purpose (the service shuts down): no longer a problem."""
        self._loops.pop(name, None)

    def stopped(self) -> list[str]:
        """The names of watched loops that are no longer running."""
        return sorted(name for name, task in self._loops.items() if task.done())
