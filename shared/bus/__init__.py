"""The message bus: stream topology, publishing, at-least-once consumers, embedded NATS."""
