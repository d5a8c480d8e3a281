"""Records of the core's conversations (multi-step flows stored between messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StoredConversation:
    flow: str
    step: str
    data: dict[str, Any]
    version: int
    expires_at: datetime
