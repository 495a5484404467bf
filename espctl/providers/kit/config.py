"""The base of every provider block in the config (``providers.<id>``).

Each provider package declares its block as a subclass with its own fields, in the order
the JSON Schema lists them, and a ``type: Literal["<type>"]`` field that tells the blocks
apart. The fields every block has are only *declared* here, for type checkers: a field
defined in this class would come first in every block's schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from espctl.model.common import Frozen


class ProviderConfig(Frozen):
    """One provider block. Subclasses define ``type``, ``endpoint`` and ``default_sender``."""

    if TYPE_CHECKING:
        #: the provider type (the block's discriminator)
        type: str
        #: API base URL override (None: the provider's own)
        endpoint: str | None
        #: default From address, when the config sets one
        default_sender: str | None
