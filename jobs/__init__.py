"""Job schedules: the APScheduler triggers the world clock and the live scheduler share (docs/architecture.md rule 8)."""
