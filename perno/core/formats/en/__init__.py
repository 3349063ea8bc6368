"""See perno.core.formats."""
