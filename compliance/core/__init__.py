"""Domain-free building blocks that any app may use: API plumbing (filtering, pagination,
renderers, negotiation, throttles, exceptions, the ViewSet mixin), dates, CSV import helpers,
the CSV admin mixin, choices built from plain lists, and one generic ``model_update``.

Nothing here imports an app of this project or another part of ``compliance``: the reference
apps (``jurisdictions``, ``grants``) may depend on it without depending on the compliance
domain. An import-linter contract in ``pyproject.toml`` keeps it so.
"""
