"""Serializers of the compliance API, by concern."""
