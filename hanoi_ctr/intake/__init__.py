"""Files in: templates out, submissions read, checked, archived, with every problem an issue; then
reviewed level by level, held while their period is locked, every decision in a hash-chained audit log."""
