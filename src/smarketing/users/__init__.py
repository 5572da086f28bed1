"""People who use Smarketing, their roles and what each role may do."""
