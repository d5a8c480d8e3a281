"""Exceptions that carry a message meant for the user (already translated)."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix or should know; the router replies with ``message``.

    Services raise it before they change anything, so the database stays as it was.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidAnswer(UserError):
    """An answer in a conversation that does not fit the question; the question is asked again."""

    @classmethod
    def of(cls, problem: UserError) -> InvalidAnswer:
        """A service's refusal as the answer to ask again for."""
        return cls(problem.message)
