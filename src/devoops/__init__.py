"""devoops: from six founder questions to tenets, targets, findings and a plan."""

__version__ = "0.1.0"
