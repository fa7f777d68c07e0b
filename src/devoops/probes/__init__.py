"""Evidence collectors: the interface and registry in base.py, one module per kind, the runner in run.py."""
