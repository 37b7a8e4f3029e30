"""The rollup engine, in pure polars: across units, over time, against targets."""
