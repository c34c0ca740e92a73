"""Services: plain functions that take their dependencies and carry out one use case each."""
