"""``with`` support for the objects that hold a connection (the host client, the
service and the signed-in session): one definition of entering and closing.

A leaf: imports nothing of ours.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """A ``with`` block returns the object itself and closes it at the end."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
