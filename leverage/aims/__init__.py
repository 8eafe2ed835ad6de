"""aims."""
