"""Entry points: one blueprint per area. Parse, authenticate, call one service, map the result."""
