"""What the ledger service talks to: its tables and store, the read queries (the light and the
statistics in SQL), the Excel workbook."""
