"""Backup sources: pure readers that turn a storage listing into recovery points and WAL runs."""
