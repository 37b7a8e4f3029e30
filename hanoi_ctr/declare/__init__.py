"""What things are: every column, table, schema, issue code and aggregation rule, declared once."""
