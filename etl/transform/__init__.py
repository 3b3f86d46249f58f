"""Transform: typed parsing of raw text, YAML layouts, computed fields, and mapping to target records."""
