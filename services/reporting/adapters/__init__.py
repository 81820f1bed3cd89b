"""What the reporting service talks to: its tables."""
