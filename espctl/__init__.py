"""espctl: email delivery infrastructure as code."""

__version__ = "0.1.0"
