"""The Duban services: workflow, ledger, notification and reporting."""
