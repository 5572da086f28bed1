"""The shared agreement: a versioned document both teams approve, which the software executes."""
