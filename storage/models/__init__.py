"""All tables. Importing this package imports every module in it, so ``SQLModel.metadata``
holds every table for Alembic and for the test that compares migrations with models.

A new module adds ``storage/models/<module>.py`` and nothing here: it is found by name.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
