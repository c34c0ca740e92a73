"""Domain models and rules. Imports nothing from Azure or from the adapters (checked by import-linter)."""
