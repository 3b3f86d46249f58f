"""The consultant's tools for layouts: build schemas, check a changed layout, draft one, show one."""
