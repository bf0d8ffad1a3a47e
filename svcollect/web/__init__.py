"""Blueprints: thin views that load, authorise, call a service and render."""
