"""The monthly smarketing review: the pack, its recommendations and the decisions followed up."""
