"""Command-line groups (`flask i18n`, `flask mt`, `flask users`, ...): thin wrappers over the service."""
