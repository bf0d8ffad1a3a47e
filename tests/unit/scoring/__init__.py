"""Unit tests for the pure scoring package."""
