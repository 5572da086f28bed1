"""Marketing's records: campaigns and their costs, content assets, touchpoints, sales targets."""
