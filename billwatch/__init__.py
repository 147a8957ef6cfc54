"""billwatch: legislative tracking and alerting for the anti-trafficking coalition."""

__version__ = "0.1.0"
