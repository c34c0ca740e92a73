"""Ports: what the services need from the outside world, each with an Azure and an embedded adapter."""
