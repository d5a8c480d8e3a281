"""What repositories take and return: plain frozen dataclasses, never ORM rows.

A service that holds a record can neither lazy-load nor accidentally write through it,
and a type checker sees every field.
"""
