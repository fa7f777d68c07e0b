"""pydantic v2 models: the workload file, the lens, targets, findings, the assessment."""
