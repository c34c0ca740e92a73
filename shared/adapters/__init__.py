"""Adapters: the Azure and the embedded implementation of every port."""
