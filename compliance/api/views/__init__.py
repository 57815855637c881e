"""ViewSets of the compliance API, by concern."""
