"""The library every function shares: models, domain rules, services, ports and adapters."""
