"""Every write of the compliance domain, one module per concern (imports run downwards):

- ``records``: statements and federal actions from every path (API, admin, CSV import);
- ``roles``: the editor and analyst groups;
- ``stale``: marking jurisdictions stale, which queues their recompute after commit;
- ``recompute``: computing and recording assessments (``compliance.tasks`` calls it).
"""
