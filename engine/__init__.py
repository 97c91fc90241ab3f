"""Runs SOP processes: SpiffWorkflow wrapper, persistence, lanes to roles, calendar, timers, SOP import."""
