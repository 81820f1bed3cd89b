"""The notification service's edges: HTTP routes, bus subscribers, the dispatch loop."""
