"""Files in: templates out, submissions read, checked, archived, with every problem an issue."""
