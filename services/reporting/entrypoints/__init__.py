"""The reporting service's edges: the bus subscriber."""
