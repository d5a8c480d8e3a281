"""Werkbot: the chat-first community bot of De Werkvereniging."""
