"""Custom actions, one module per concern; each action is a thin wrapper over plain functions."""
