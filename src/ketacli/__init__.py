"""ketacli: compare US at-home ketamine therapy providers from a typed, sourced catalogue."""

__version__ = "0.10.0"
