"""Tools that stand on their own: each runs without the portal's library."""
