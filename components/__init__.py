"""Reusable Pulumi component resources, one module per capability."""
