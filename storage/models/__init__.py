"""All tables; importing this package fills ``SQLModel.metadata`` for Alembic."""

from storage.models.conversations import ConversationState
from storage.models.members import (
    Identity,
    LinkCode,
    Member,
    Organization,
    RoleGrant,
    VerificationCode,
)

__all__ = [
    "ConversationState",
    "Identity",
    "LinkCode",
    "Member",
    "Organization",
    "RoleGrant",
    "VerificationCode",
]
