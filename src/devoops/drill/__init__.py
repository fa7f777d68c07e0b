"""Drills that prove recovery on real databases: restoring the newest backup, failing over."""
