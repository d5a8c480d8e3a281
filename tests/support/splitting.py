"""Checks for a text cut into messages, shared by the Telegram and Discord tests."""

from __future__ import annotations


def assert_pieces_of(original: str, pieces: list[str]) -> None:
    """``pieces`` are ``original`` in order, with only whitespace left out between them.

    That is: nothing lost, nothing repeated, nothing reordered, and no piece that is only
    whitespace (a platform refuses an empty message).
    """
    position = 0
    for number, piece in enumerate(pieces, start=1):
        assert piece.strip(), f"piece {number} is empty"
        found = original.find(piece, position)
        assert found >= 0, f"piece {number} is not next in the text: {piece[:40]!r}…"
        skipped = original[position:found]
        assert not skipped.strip(), f"before piece {number} the text lost {skipped[:40]!r}"
        position = found + len(piece)
    assert not original[position:].strip(), f"the end was lost: {original[position:][:40]!r}"
