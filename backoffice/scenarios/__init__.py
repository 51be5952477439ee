"""Scenario files (docs/scenarios.md): loading, running, recording worlds as scenarios, diagnosing."""
