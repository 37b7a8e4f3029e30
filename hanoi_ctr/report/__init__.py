"""The rollup workbook analysts receive, built as a specification."""
