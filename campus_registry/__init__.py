"""Registry entries for both connectors, so an operator's Airbyte reads their metadata (data
activation, Refresh, breaking changes) instead of building a bare custom definition from `spec`."""
