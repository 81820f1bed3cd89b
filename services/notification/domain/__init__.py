"""The notification service's pure core: who is told what (``rules``), what a message is made
of (``messages``), the deliveries (``deliveries``) and the text cleaning (``clean``). No I/O."""
