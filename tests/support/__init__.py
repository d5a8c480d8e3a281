"""Test helpers: a recording chat, a local SMTP server, databases that clean up after themselves."""
