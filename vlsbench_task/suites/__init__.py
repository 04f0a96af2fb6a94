"""Hooks for the combined safety suites (task_configs/suites/)."""
