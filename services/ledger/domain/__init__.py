"""The ledger's pure core: a row (``state``), the events applied to it (``projection``) with their
timeline texts (``texts``), the traffic light (``light``), the API's views (``views``) and the
statistics' periods and tables (``stats``). No I/O."""
