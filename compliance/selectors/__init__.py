"""Every read of the compliance domain, one module per concern:

- ``inputs``: the engine's inputs for one or many jurisdictions, in a fixed number of queries;
- ``reach``: which jurisdictions an action reaches and which actions reach a jurisdiction;
- ``figures``: the one shape of a recorded or computed assessment, and the history;
- ``stale``: which jurisdictions wait for a recompute.
"""
