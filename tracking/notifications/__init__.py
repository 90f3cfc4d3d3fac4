"""Telling people: subscriptions, notifications, and the email, webhook and in-app channels."""
