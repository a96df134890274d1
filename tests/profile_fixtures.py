"""Fixtures that create connection profiles (filled in with the profiles module)."""
