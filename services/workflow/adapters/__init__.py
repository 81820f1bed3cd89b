"""What the workflow service talks to: its tables, stores and read queries."""
