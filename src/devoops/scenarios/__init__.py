"""Catastrophes before they happen: the inventory's graph, the scenarios it survives, and the
availability it can deliver. Pure: the inventory and the lens in, figures out."""
