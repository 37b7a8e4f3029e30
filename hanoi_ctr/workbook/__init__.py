"""Workbooks as plain data, and the one renderer that writes them with xlsxwriter."""
