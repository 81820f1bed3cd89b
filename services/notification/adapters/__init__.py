"""What the notification service talks to: its tables and store, the templates, the channels."""
