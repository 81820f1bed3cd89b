"""The reporting service's pure core."""
