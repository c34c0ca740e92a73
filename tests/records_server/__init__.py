"""A records-system (SBSYS/SBSIP-style) server for the tests, run as its own process over real HTTP."""
