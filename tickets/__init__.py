"""Complaint tickets: the record, its number, its store (SQLAlchemy on SQLite or PostgreSQL)."""
