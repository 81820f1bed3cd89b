"""The one place SpiffWorkflow is imported: parsing, timers, scripts, serialization, stepping."""
