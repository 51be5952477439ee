"""Job schedules: the APScheduler triggers the world clock and the live scheduler share (DESIGN.md rule 8)."""
