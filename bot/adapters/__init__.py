"""Thin adapters, one per platform: translate events in and replies out; no domain rules."""
