"""Building blocks without Flask: message syntax, safe file writes, locks and form text."""
