"""Runs the function app locally without the Azure Functions Core Tools."""
