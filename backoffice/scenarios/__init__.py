"""Scenario files (SCENARIOS.md): loading, running, recording worlds as scenarios, diagnosing."""
