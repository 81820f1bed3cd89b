"""The reporting service's pure core: its read model of items, the bulletin's figures and rules, the public board."""
