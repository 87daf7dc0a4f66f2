"""Messaging channel configuration (Telegram, Slack, Facebook Messenger)."""
