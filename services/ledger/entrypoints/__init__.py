"""The ledger service's edges: HTTP routes, the bus subscriber, the replay of the events stream."""
