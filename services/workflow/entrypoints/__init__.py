"""The workflow service's HTTP routes."""
