"""Delivery measured from history: deployments, incidents, scale-outs and the git repository
become the DORA figures, deploy durations and the time to add a server."""
