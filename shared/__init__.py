"""Common code of the Duban services: contracts, calendar, identity, bus, storage."""
