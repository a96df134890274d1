"""Lifeboat: safe, encrypted backups and restores of PostgreSQL databases."""

__version__ = "0.1.0"
