"""Notices: a Markdown file with its translations (message), the rules it must pass, and
the plan of which channels get it, rendered how (select -> render -> rules)."""
