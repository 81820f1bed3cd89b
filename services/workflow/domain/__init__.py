"""The workflow service's pure rules: progress, deadlines, refusals, forms, task context."""
