"""The workflow service."""
