"""Alert rule types."""
