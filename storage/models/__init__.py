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
from storage.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyNewsOptIn,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)

__all__ = [
    "ConversationState",
    "Identity",
    "LinkCode",
    "Member",
    "Organization",
    "RoleGrant",
    "Survey",
    "SurveyAnswer",
    "SurveyNewsOptIn",
    "SurveyParticipation",
    "SurveyQuestion",
    "SurveyResponse",
    "VerificationCode",
]
