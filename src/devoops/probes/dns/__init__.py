"""The `dns` probe: a domain's registration and its DNS, a module for each part."""
